package kernels

import (
	"bytes"
	"fmt"
	"math"
	"unsafe"
)

// ConvFFT computes a stride-1 conv1d layer through the discrete Fourier transform, for
// inference on layers with many channel pairs and long kernels, where it takes a fraction
// of the multiply-adds of the direct product (the conv AE's 32 → 8 layer of kernel 10: a
// fifth). It computes what GemmNN computes position by position,
//
//	out[(l·cout+o)·ld + b] = Σ_{j<K, c<cin} w[o·K·cin + j·cin + c] · in[((l+j)·cin+c)·ld + b]
//
// for l < L, o < cout, b < n, with every (l+j) < L+K−1 ≤ N, so the circular convolution of
// length N is the linear one. The steps, per block of convFFTBlock vectors of columns:
//
//   - per vector, the transforms of the input channels, two at a time as the real and
//     imaginary parts of one complex series (zero past L+K−1, read as ConvIn says);
//   - per vector, the products of those transforms with the kernel's spectra (mix), which
//     give the output channels' spectra without separating the pairs' spectra; their
//     coefficients come from w and are cached with the weights they came from;
//   - the series of the output channels, two at a time, by the same transform on swapped
//     real and imaginary parts (which is the inverse transform).
//
// The transform is radix-4, in place, with decimation in frequency (radix 2 for the last
// step when N is an odd power of two), on a buffer of N complex elements of one vector
// each: the columns of the batch are the vector lanes, so no step shuffles within a vector,
// and the bins end in digit-reversed order (perm). The results differ from the direct
// product's by rounding: about log2(N)·ε relative to the largest output of the channel,
// where the direct product's error is relative to each output.
type ConvFFT[T float] struct {
	N, K int
	tw   []T     // the radix-4 steps' twiddles: per butterfly index w, w², w³ as (re, im)
	perm []int32 // the element where the in-place transform leaves each frequency
	// the kernel's DFT matrices [N/2+1][K], scaled by 1/(2N): cos and sin of 2π·fj/N
	cos, sin []T
}

// NewConvFFT32 plans float32 convolutions with kernels of k taps through transforms of
// length n, a power of two ≥ 4.
func NewConvFFT32(n, k int) *ConvFFT[float32] { return newConvFFT[float32](n, k) }

// NewConvFFT64 plans float64 convolutions with kernels of k taps through transforms of
// length n, a power of two ≥ 4.
func NewConvFFT64(n, k int) *ConvFFT[float64] { return newConvFFT[float64](n, k) }

func newConvFFT[T float](n, k int) *ConvFFT[T] {
	if n < 4 || n&(n-1) != 0 || k < 1 || k > n {
		panic(fmt.Sprintf("kernels: FFT convolution of length %d with %d taps", n, k))
	}
	p := &ConvFFT[T]{N: n, K: k, perm: fftPerm(n)}
	for m := n; m >= 4; m /= 4 {
		for q := 0; q < m/4; q++ {
			for e := 1; e <= 3; e++ {
				c, s := unitRoot(e*q*(n/m), n)
				p.tw = append(p.tw, T(c), T(-s))
			}
		}
	}
	nb := n/2 + 1
	p.cos, p.sin = make([]T, nb*k), make([]T, nb*k)
	scale := 1 / float64(2*n)
	for f := 0; f < nb; f++ {
		for j := 0; j < k; j++ {
			c, s := unitRoot(f*j, n)
			p.cos[f*k+j], p.sin[f*k+j] = T(c*scale), T(s*scale)
		}
	}
	return p
}

// unitRoot returns cos and sin of 2π·a/n, exact at the multiples of a quarter turn.
func unitRoot(a, n int) (c, s float64) {
	a %= n
	switch a {
	case 0:
		return 1, 0
	case n / 4:
		return 0, 1
	case n / 2:
		return -1, 0
	case 3 * n / 4:
		return 0, -1
	}
	s, c = math.Sincos(2 * math.Pi * float64(a) / float64(n))
	return c, s
}

// ConvFFTCache is the length of the cache a ConvFFT's Conv keeps for one layer of cin
// input and cout output channels, in elements: the coefficients of its products, computed
// from the weights, and the weights they were computed from, so that a batch with the same
// weights as the last skips them.
func ConvFFTCache(n, k, cout, cin int) int {
	return 4 + cout*k*cin + (n/2+1)*cout*(cin+1)/2*4
}

// ConvFFTScratch is the length of the scratch a ConvFFT's Conv needs for a layer of cin
// input and cout output channels through transforms of length n, in elements of bits bits;
// layers that run one after another can share it.
func ConvFFTScratch(n, cout, cin, bits int) int {
	v := 512 / bits
	nb := n/2 + 1
	pairs := (cin + 1) / 2
	return max(2*nb*cin, pairs*n*2*v+nb*2*cout*convFFTBlock*v+convFFTBlock*n*2*v)
}

// ConvIn is the input series of a ConvFFT layer, padded and activated as it is read:
// position t of the layer's input (t < L+K−1) is zero for t < Pad and t ≥ Pad+Len, and
// otherwise act(Rows[((t−Pad)·cin + c)·ld + b] + Bias[c]) for channel c and column b, act
// max(·, 0) when Relu and none otherwise, Bias nil meaning no bias. A layer that reads the
// previous layer's pre-activations this way needs neither its bias-and-ReLU pass nor its
// padded copy.
type ConvIn[T float] struct {
	Rows     []T
	Pad, Len int
	Bias     []T
	Relu     bool
}

// Conv computes the layer's L output positions (the formula on ConvFFT, with in the input
// in as ConvIn describes it) for n ≤ ld columns of rows ld apart, touching no other column.
// w is the layer's [cout][K·cin] weight matrix; cache (ConvFFTCache elements) belongs to
// this layer, scratch (ConvFFTScratch) may be shared.
func (p *ConvFFT[T]) Conv(out []T, in ConvIn[T], w []T, L, cout, cin, ld, n int, cache, scratch []T) {
	N, K := p.N, p.K
	v := vecLen[T]()
	B := convFFTBlock * v
	nb := N/2 + 1
	pairs := (cin + 1) / 2
	lin := L + K - 1
	rows := in.Rows
	if lin > N || in.Pad < 0 || in.Len < 1 || in.Pad+in.Len > lin || in.Bias != nil && len(in.Bias) < cin ||
		len(w) < cout*K*cin || len(cache) < ConvFFTCache(N, K, cout, cin) || len(scratch) < ConvFFTScratch(N, cout, cin, 512/v) ||
		n > ld || n > 0 && (len(rows) < ((in.Len-1)*cin+cin-1)*ld+n || len(out) < ((L-1)*cout+cout-1)*ld+n) {
		panic(fmt.Sprintf("kernels: ConvFFT of %d positions (input %d+%d), %d → %d channels, n=%d, ld=%d on %d/%d/%d/%d/%d elements",
			L, in.Pad, in.Len, cin, cout, n, ld, len(out), len(rows), len(w), len(cache), len(scratch)))
	}
	ab := p.coefficients(cache, scratch, w, cout, cin)
	// The spectra of the outputs are [channel][re, im][bin][B columns], so that the
	// inverse transforms read each channel's bins in order.
	spectra := scratch[:pairs*N*2*v] // the transforms of the input pairs of one vector of columns
	yspec := scratch[len(spectra):][:nb*2*cout*B]
	buf := scratch[len(spectra)+len(yspec):][:convFFTBlock*N*2*v]
	asm := UsingAsm()
	for b0 := 0; b0 < n; b0 += B {
		bw := min(B, n-b0)
		nvec := (bw + v - 1) / v
		for j := 0; j < nvec; j++ {
			p.transformInputs(asm, spectra, in, cin, ld, b0+j*v, min(v, bw-j*v))
			p.mix(asm, spectra, ab, yspec[j*v:], cout, pairs, B, nb*B, cout*nb*B)
		}
		p.transformOutputs(asm, out, yspec, buf, cout, L, ld, b0, bw)
	}
}

// transformInputs gathers the input pairs of the v columns from col (lanes of them) as in
// describes them and transforms them into spectra, pair q's at element q·N.
func (p *ConvFFT[T]) transformInputs(asm bool, spectra []T, in ConvIn[T], cin, ld, col, lanes int) {
	N, v := p.N, vecLen[T]()
	lo := T(math.Inf(-1)) // the floor of the activation: none
	if in.Relu {
		lo = 0
	}
	for q := 0; q < (cin+1)/2; q++ {
		c, c1 := 2*q, min(2*q+1, cin-1)
		var b, b1 T
		if in.Bias != nil {
			b, b1 = in.Bias[c], in.Bias[c1]
		}
		g := gather[T]{in.Rows[c*ld+col:], in.Rows[c1*ld+col:], cin * ld, in.Pad, in.Len, b, b1, lo}
		z := spectra[q*N*2*v:]
		g.run(asm, z, N, lanes)
		p.fft(asm, z)
	}
}

// transformOutputs takes the spectra of the cout outputs of the bw columns from b0 (yspec,
// as mix writes them for a block of convFFTBlock vectors) back to their L rows in out,
// two channels a transform, in buf.
func (p *ConvFFT[T]) transformOutputs(asm bool, out, yspec, buf []T, cout, L, ld, b0, bw int) {
	N, v := p.N, vecLen[T]()
	B, nb := convFFTBlock*v, N/2+1
	nvec := (bw + v - 1) / v
	for o := 0; o < cout; o += 2 {
		o1 := min(o+1, cout-1)
		fftJoin(asm, buf, yspec[o*nb*B:], B, cout*nb*B, nb*B, N, nvec, o1 > o)
		for j := range nvec {
			p.fft(asm, buf[j*N*2*v:])
		}
		fftScatter(asm, out[o*ld+b0:], out[o1*ld+b0:], buf, p.perm, cout*ld, L, N, bw, o1 > o)
	}
}

// ConvLayer is one layer of a ConvChain: its plan, its [Cout][K·Cin] weights, the cache of
// its coefficients (ConvFFTCache) and its sizes (L output positions).
type ConvLayer[T float] struct {
	FFT          *ConvFFT[T]
	W, Cache     []T
	L, Cout, Cin int
}

// ConvChainScratch is the length of the scratch ConvChain needs for a layer a of cin → mid
// channels through transforms of length na and a layer b of mid → cout through nb, in
// elements of bits bits.
func ConvChainScratch(na, cin, mid, nb, cout, bits int) int {
	v := 512 / bits
	fa, fb := na/2+1, nb/2+1
	work := (cin+1)/2*na*2*v + fa*2*mid*v + na*2*v + (mid+1)/2*nb*2*v + fb*2*cout*convFFTBlock*v + convFFTBlock*nb*2*v
	return max(2*fa*cin, 2*fb*mid, work)
}

// ConvChain computes two stride-1 conv layers through the FFT, b reading relu(a's output +
// bias) (bias nil: none) after pad zero steps, without writing a's output: a vector of columns at a time,
// each pair of a's output channels goes from its inverse transform, with the bias and the
// ReLU, straight into b's forward transform. in is a's input, out b's output (as on Conv).
// The results are Conv's of a, then of b on ConvIn{Rows: a's output, Pad: pad, Len: a.L,
// Bias: bias, Relu: true}, up to rounding (a's output is not rounded to rows).
func ConvChain[T float](out []T, in ConvIn[T], a, b ConvLayer[T], bias []T, pad, ld, n int, scratch []T) {
	v := vecLen[T]()
	B := convFFTBlock * v
	Na, Nb := a.FFT.N, b.FFT.N
	na, nbb := Na/2+1, Nb/2+1
	pa, pb := (a.Cin+1)/2, (b.Cin+1)/2
	lin := a.L + a.FFT.K - 1
	rows := in.Rows
	if lin > Na || b.Cin != a.Cout || pad < 0 || pad+a.L > b.L+b.FFT.K-1 || b.L+b.FFT.K-1 > Nb || bias != nil && len(bias) < a.Cout ||
		in.Pad < 0 || in.Len < 1 || in.Pad+in.Len > lin || in.Bias != nil && len(in.Bias) < a.Cin ||
		len(a.W) < a.Cout*a.FFT.K*a.Cin || len(b.W) < b.Cout*b.FFT.K*b.Cin ||
		len(a.Cache) < ConvFFTCache(Na, a.FFT.K, a.Cout, a.Cin) || len(b.Cache) < ConvFFTCache(Nb, b.FFT.K, b.Cout, b.Cin) ||
		len(scratch) < ConvChainScratch(Na, a.Cin, a.Cout, Nb, b.Cout, 512/v) ||
		n > ld || n > 0 && (len(rows) < ((in.Len-1)*a.Cin+a.Cin-1)*ld+n || len(out) < ((b.L-1)*b.Cout+b.Cout-1)*ld+n) {
		panic(fmt.Sprintf("kernels: ConvChain of %d → %d → %d channels over %d and %d positions, n=%d, ld=%d on %d/%d/%d elements",
			a.Cin, a.Cout, b.Cout, a.L, b.L, n, ld, len(out), len(rows), len(scratch)))
	}
	var zero T
	abA := a.FFT.coefficients(a.Cache, scratch, a.W, a.Cout, a.Cin)
	abB := b.FFT.coefficients(b.Cache, scratch, b.W, b.Cout, b.Cin)
	specA := scratch[:pa*Na*2*v]
	yA := scratch[len(specA):][:na*2*a.Cout*v]
	bufA := scratch[len(specA)+len(yA):][:Na*2*v]
	off := len(specA) + len(yA) + len(bufA)
	specB := scratch[off:][:pb*Nb*2*v]
	yB := scratch[off+len(specB):][:nbb*2*b.Cout*B]
	buf := scratch[off+len(specB)+len(yB):][:convFFTBlock*Nb*2*v]
	asm := UsingAsm()
	for b0 := 0; b0 < n; b0 += B {
		bw := min(B, n-b0)
		nvec := (bw + v - 1) / v
		for j := 0; j < nvec; j++ {
			a.FFT.transformInputs(asm, specA, in, a.Cin, ld, b0+j*v, min(v, bw-j*v))
			a.FFT.mix(asm, specA, abA, yA, a.Cout, pa, v, na*v, a.Cout*na*v)
			for q := 0; q < pb; q++ {
				o, o1 := 2*q, min(2*q+1, a.Cout-1)
				fftJoin(asm, bufA, yA[o*na*v:], v, a.Cout*na*v, na*v, Na, 1, o1 > o)
				a.FFT.fft(asm, bufA)
				z := specB[q*Nb*2*v:]
				r := relay[T]{bufA, a.FFT.perm, pad, a.L, zero, zero, o1 > o}
				if bias != nil {
					r.bias0, r.bias1 = bias[o], bias[o1]
				}
				r.run(asm, z, Nb)
				b.FFT.fft(asm, z)
			}
			b.FFT.mix(asm, specB, abB, yB[j*v:], b.Cout, pb, B, nbb*B, b.Cout*nbb*B)
		}
		b.FFT.transformOutputs(asm, out, yB, buf, b.Cout, b.L, ld, b0, bw)
	}
}

// relay takes the two series of an inverse transform (channel 0 in the imaginary parts,
// channel 1 in the real parts, element t at perm[t]) into the next layer's buffer: element
// pad+t, t < len, is max(ch0[t] + bias0, 0) + i·max(ch1[t] + bias1, 0) (the imaginary part
// zero unless two), the others zero up to N.
type relay[T float] struct {
	src          []T
	perm         []int32
	pad, len     int
	bias0, bias1 T
	two          bool
}

func (r relay[T]) run(asm bool, dst []T, N int) {
	if asm {
		fftRelayAsm(dst, r, N)
		return
	}
	v := vecLen[T]()
	clear(dst[:N*2*v])
	for t := 0; t < r.len; t++ {
		s := r.src[2*int(r.perm[t])*v:]
		d := dst[2*(r.pad+t)*v:]
		for l := 0; l < v; l++ {
			d[l] = max(0, s[v+l]+r.bias0)
			if r.two {
				d[v+l] = max(0, s[l]+r.bias1)
			}
		}
	}
}

// The products work on the transforms of the input pairs directly: with Z = X_c + i·X_{c+1}
// the transform of channels c and c+1 (X_{c+1} zero for a last odd channel),
// 2X_c[f] = Z[f] + conj Z[N−f] and 2X_{c+1}[f] = −i(Z[f] − conj Z[N−f]), so
//
//	Y_o[f] = Σ_c H_oc[f]·X_c[f] = Σ_pairs A[f]·Z[f] + B[f]·conj Z[N−f]
//
// with A = (H_c − i·H_{c+1})/2 and B = (H_c + i·H_{c+1})/2, and no pass separates the
// spectra. The coefficients carry the inverse transform's 1/N too.

// mixBlock is the largest number of outputs one pass of the products takes (their sums
// stay in 16 registers).
const mixBlock = 8

// coefficients returns the products' coefficients of the weights w, [output block][f][pair]
// [output][Re A, Im A, Re B, Im B] (blocks of mixBlock outputs), from the cache when it holds
// those of the same weights, else computed into it (scratch serves for H).
func (p *ConvFFT[T]) coefficients(cache, scratch, w []T, cout, cin int) []T {
	N, K := p.N, p.K
	nb, pairs := N/2+1, (cin+1)/2
	size := cout * K * cin
	key, ab := cache[:4+size], cache[4+size:][:nb*cout*pairs*4]
	head := [4]T{T(N), T(K), T(cout), T(cin)}
	if bitsEqual(key[:4], head[:]) && bitsEqual(key[4:], w[:size]) {
		return ab
	}
	hr, hi := scratch[:nb*cin], scratch[nb*cin:2*nb*cin]
	for o := 0; o < cout; o++ {
		// H_oc[f]/(2N) for every c and f: the DFT matrices times the output's [K][cin] slice.
		gemmNN(nb, K, cin, p.cos, w[o*K*cin:], cin, hr, cin, false)
		gemmNN(nb, K, cin, p.sin, w[o*K*cin:], cin, hi, cin, false)
		o0 := o / mixBlock * mixBlock
		r := min(mixBlock, cout-o0)
		blk := ab[o0*nb*pairs*4:]
		for f := 0; f < nb; f++ {
			for q := 0; q < pairs; q++ {
				c := 2 * q
				r0, i0 := hr[f*cin+c], hi[f*cin+c]
				var r1, i1 T
				if c+1 < cin {
					r1, i1 = hr[f*cin+c+1], hi[f*cin+c+1]
				}
				e := blk[((f*pairs+q)*r+o-o0)*4:][:4]
				e[0], e[1], e[2], e[3] = r0+i1, i0-r1, r0-i1, i0+r1
			}
		}
	}
	copy(key, head[:])
	copy(key[4:], w[:size])
	return ab
}

// bitsEqual reports whether a and b hold the same bits.
func bitsEqual[T float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	n := len(a) * int(unsafe.Sizeof(a[0]))
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), n), unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), n))
}

// mix computes the spectra of the outputs from the transforms of the input pairs in
// spectra (pair q's at element q·N, each element one vector of columns; Z[f] at perm[f]):
// for f ≤ N/2, Y_o[f] = Σ_q A·Z_q[f] + B·conj Z_q[N−f] goes to y[o·yo + f·ybin …] (real
// parts) and y[o·yo + yim + f·ybin …].
func (p *ConvFFT[T]) mix(asm bool, spectra, ab, y []T, cout, pairs, ybin, yo, yim int) {
	N := p.N
	nb := N/2 + 1
	v := vecLen[T]()
	for o0 := 0; o0 < cout; o0 += mixBlock {
		r := min(mixBlock, cout-o0)
		blk, yb := ab[o0*nb*pairs*4:], y[o0*yo:]
		if asm {
			fftMixAsm(spectra, p.perm, blk, yb, N, pairs, r, ybin, yo, yim)
			continue
		}
		for f := 0; f < nb; f++ {
			zf, zr := 2*int(p.perm[f])*v, 2*int(p.perm[(N-f)%N])*v
			for o := 0; o < r; o++ {
				d := yb[o*yo+f*ybin:]
				for l := 0; l < v; l++ {
					var yr, yi T
					for q := 0; q < pairs; q++ {
						z := spectra[q*N*2*v:]
						e := blk[((f*pairs+q)*r+o)*4:][:4]
						fr, fi, rr, ri := z[zf+l], z[zf+v+l], z[zr+l], z[zr+v+l]
						yr += e[0]*fr - e[1]*fi + e[2]*rr + e[3]*ri
						yi += e[0]*fi + e[1]*fr + e[3]*rr - e[2]*ri
					}
					d[l], d[yim+l] = yr, yi
				}
			}
		}
	}
}

// convFFTBlock is the number of vectors of columns Conv takes at a time: the output side
// joins, transforms and scatters that many together, three vectors of a row at once, from
// the block's output spectra (nb·2·cout rows of them). Measured on the conv AE's inference (128 windows, one core): 2 or 4 vectors gave 141 k
// windows/s, 3 gave 149-153 k, 6 gave 138-141 k.
const convFFTBlock = 3

// fft transforms buf in place, X[f] = Σ_t x[t]·e^{−2πi·ft/N} with each element a vector of
// columns, leaving X[f] at element perm[f]: radix-4 decimation in frequency, its last step
// radix 2 when N is an odd power of two. One buffer of N elements (32 KB for N = 256) stays
// in the first-level cache, where an out-of-place (Stockham) ordering's two did not.
func (p *ConvFFT[T]) fft(asm bool, buf []T) {
	tw := p.tw
	m := p.N
	for ; m >= 4; m /= 4 {
		if asm {
			fftRadix4Asm(buf, tw, p.N, m)
		} else {
			fftRadix4Go(buf, tw, p.N, m)
		}
		tw = tw[6*(m/4):]
	}
	if m == 2 {
		if asm {
			fftRadix2Asm(buf, p.N)
		} else {
			fftRadix2Go(buf, p.N)
		}
	}
}

// The portable steps. A buffer holds N complex elements of one vector of v columns each:
// element e's real parts at [2e·v, 2e·v+v), its imaginary parts the next v.

// fftRadix4Go is one radix-4 step on the N/m blocks of m elements: for p < m/4 and
// r < 4 the elements a_r = x[p + r·m/4] of a block become
// (w^{kp}·Σ_r a_r·(−i)^{kr}) at p + k·m/4, w = e^{−2πi/m}.
func fftRadix4Go[T float](x, tw []T, N, m int) {
	v := vecLen[T]()
	e := 2 * v // elements
	quarter := m / 4 * e
	for p := 0; p < m/4; p++ {
		w := tw[6*p : 6*p+6]
		for blk := 0; blk < N; blk += m {
			xa := x[(blk+p)*e:]
			for l := 0; l < v; l++ {
				ar, ai := xa[l], xa[v+l]
				br, bi := xa[quarter+l], xa[quarter+v+l]
				cr, ci := xa[2*quarter+l], xa[2*quarter+v+l]
				dr, di := xa[3*quarter+l], xa[3*quarter+v+l]
				apcR, apcI := ar+cr, ai+ci
				amcR, amcI := ar-cr, ai-ci
				bpdR, bpdI := br+dr, bi+di
				jbR, jbI := -(bi - di), br-dr // i·(b−d)
				xa[l], xa[v+l] = apcR+bpdR, apcI+bpdI
				t1R, t1I := amcR-jbR, amcI-jbI
				t2R, t2I := apcR-bpdR, apcI-bpdI
				t3R, t3I := amcR+jbR, amcI+jbI
				xa[quarter+l], xa[quarter+v+l] = t1R*w[0]-t1I*w[1], t1R*w[1]+t1I*w[0]
				xa[2*quarter+l], xa[2*quarter+v+l] = t2R*w[2]-t2I*w[3], t2R*w[3]+t2I*w[2]
				xa[3*quarter+l], xa[3*quarter+v+l] = t3R*w[4]-t3I*w[5], t3R*w[5]+t3I*w[4]
			}
		}
	}
}

// fftRadix2Go is the last step of a transform of odd log2 length: each pair of elements
// (a, b) becomes (a + b, a − b).
func fftRadix2Go[T float](x []T, N int) {
	v := vecLen[T]()
	for j := 0; j < N; j += 2 {
		xa := x[2*j*v:][:4*v]
		for i := 0; i < 2*v; i++ {
			a, b := xa[i], xa[2*v+i]
			xa[i], xa[2*v+i] = a+b, a-b
		}
	}
}

// fftPerm returns where the in-place transform of length n leaves frequency f: a block of
// span m keeps its frequency f ≡ r (mod 4) in the sub-block at r·m/4, at the place of
// f div 4 there.
func fftPerm(n int) []int32 {
	perm := make([]int32, n)
	for f := range perm {
		pos, g := 0, f
		m := n
		for ; m >= 4; m /= 4 {
			pos += g % 4 * (m / 4)
			g /= 4
		}
		perm[f] = int32(pos + g) // m is 1, or 2 with g < 2 at the place g
	}
	return perm
}

// The steps that read or write the batch take nvec ≤ convFFTBlock vectors of columns at
// once, one buffer of N elements each (buffer j at element j·N of buf), so that the
// vectors of a row, adjacent in memory, are read or written together.

// gather loads two channels' series as the real and imaginary parts of the buffers:
// element t of buffer j is max(re[(t−pad)·stride + j·v + l] + bias, lo) (l < v, of the lanes
// columns; the lanes past them zero) and likewise from im with bias1, for pad ≤ t < pad+len,
// and zero elsewhere up to N.
type gather[T float] struct {
	re, im           []T
	stride, pad, len int
	bias, bias1, lo  T
}

func (g gather[T]) run(asm bool, buf []T, N, lanes int) {
	v := vecLen[T]()
	nvec := (lanes + v - 1) / v
	if asm {
		fftGatherAsm(buf, g, N, nvec, lanes-(nvec-1)*v)
		return
	}
	clear(buf[:nvec*N*2*v])
	for j := 0; j < nvec; j++ {
		bj, cols := buf[j*N*2*v:], min(v, lanes-j*v)
		for t := 0; t < g.len; t++ {
			e := bj[2*(g.pad+t)*v:]
			for l := 0; l < cols; l++ {
				e[l] = max(g.lo, g.re[t*g.stride+j*v+l]+g.bias)
				e[v+l] = max(g.lo, g.im[t*g.stride+j*v+l]+g.bias1)
			}
		}
	}
}

// fftJoin puts two channels' spectra Y₀ and Y₁ (laid out as mix writes them, for
// f ≤ N/2; Y₁ zero unless two) into each buffer as Z = Y₀ + i·Y₁ over all N bins by their
// symmetry, with the real and imaginary parts swapped: the transform of the swapped Z is
// N times the inverse transform of Z, swapped.
func fftJoin[T float](asm bool, buf, src []T, bin, im, next, N, nvec int, two bool) {
	if asm {
		fftJoinAsm(buf, src, bin, im, next, N, nvec, two)
		return
	}
	v := vecLen[T]()
	for j := 0; j < nvec; j++ {
		bj := buf[j*N*2*v:]
		for f := 0; f <= N/2; f++ {
			s := src[f*bin+j*v:]
			z := bj[2*f*v:]
			var zr []T
			if f > 0 && f < N/2 {
				zr = bj[2*(N-f)*v:]
			}
			for l := 0; l < v; l++ {
				ar, ai := s[l], s[im+l]
				var br, bi T
				if two {
					br, bi = s[next+l], s[next+im+l]
				}
				z[l], z[v+l] = ai+br, ar-bi // Z[f] = (ar − bi) + i(ai + br), swapped
				if zr != nil {
					zr[l], zr[v+l] = br-ai, ar+bi // Z[N−f] = (ar + bi) + i(br − ai), swapped
				}
			}
		}
	}
}

// fftScatter stores the two real series of the inverse transforms in the buffers (channel
// 0 in the imaginary parts, channel 1 in the real parts, as fftJoin swapped them; element t
// at perm[t]): element t < L of buffer j to d0[t·stride + j·v …] and, if two, to
// d1[t·stride + j·v …], of the lanes columns.
func fftScatter[T float](asm bool, d0, d1, buf []T, perm []int32, stride, L, N, lanes int, two bool) {
	v := vecLen[T]()
	nvec := (lanes + v - 1) / v
	if asm {
		fftScatterAsm(d0, d1, buf, perm, stride, L, N, nvec, lanes-(nvec-1)*v, two)
		return
	}
	for j := 0; j < nvec; j++ {
		bj, cols := buf[j*N*2*v:], min(v, lanes-j*v)
		for t := 0; t < L; t++ {
			e := 2 * int(perm[t]) * v
			copy(d0[t*stride+j*v:][:cols], bj[e+v:])
			if two {
				copy(d1[t*stride+j*v:][:cols], bj[e:])
			}
		}
	}
}
