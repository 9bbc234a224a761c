package kernels

// The portable path: plain Go, blocked a little so that each output row is
// swept once per four reduction terms. It is the reference the assembly is
// tested against (besides a naive float64 sum) and the fallback everywhere.

// panelsGo computes out[i*ldo+b] (+)= Σ_t w[i*rs+t*ts]·x[t*ldx+b] for i < rows,
// t < red, b < n (n ≥ 1).
func panelsGo[T float](rows, red, n int, w []T, rs, ts int, x []T, ldx int, out []T, ldo int, acc bool) {
	for i := 0; i < rows; i++ {
		o := out[i*ldo : i*ldo+n]
		wi := i * rs
		t := 0
		if !acc {
			x0 := x[:len(o)]
			w0 := w[wi]
			for b := range o {
				o[b] = w0 * x0[b]
			}
			t = 1
		}
		for ; t+4 <= red; t += 4 {
			x0 := x[t*ldx:][:len(o)]
			x1 := x[(t+1)*ldx:][:len(o)]
			x2 := x[(t+2)*ldx:][:len(o)]
			x3 := x[(t+3)*ldx:][:len(o)]
			w0, w1, w2, w3 := w[wi+t*ts], w[wi+(t+1)*ts], w[wi+(t+2)*ts], w[wi+(t+3)*ts]
			for b := range o {
				o[b] += w0*x0[b] + w1*x1[b] + w2*x2[b] + w3*x3[b]
			}
		}
		for ; t < red; t++ {
			x0 := x[t*ldx:][:len(o)]
			w0 := w[wi+t*ts]
			for b := range o {
				o[b] += w0 * x0[b]
			}
		}
	}
}

// ntGo computes dw[j*K+k] (+)= Σ_b g[j*ldg+b]·x[k*ldx+b] (n ≥ 1).
func ntGo[T float](M, K, n int, g []T, ldg int, x []T, ldx int, dw []T, acc bool) {
	for j := 0; j < M; j++ {
		gj := g[j*ldg : j*ldg+n]
		for k := 0; k < K; k++ {
			xk := x[k*ldx:][:len(gj)]
			var s0, s1, s2, s3 T
			b := 0
			for ; b+4 <= len(gj); b += 4 {
				s0 += gj[b] * xk[b]
				s1 += gj[b+1] * xk[b+1]
				s2 += gj[b+2] * xk[b+2]
				s3 += gj[b+3] * xk[b+3]
			}
			for ; b < len(gj); b++ {
				s0 += gj[b] * xk[b]
			}
			s := (s0 + s1) + (s2 + s3)
			if acc {
				dw[j*K+k] += s
			} else {
				dw[j*K+k] = s
			}
		}
	}
}

// ntSumGo is ntGo over each position in turn, accumulating.
func ntSumGo[T float](M, K, n, npos int, g []T, ldg, gstep int, x []T, ldx, xstep int, dw []T, acc bool) {
	for p := range npos {
		ntGo(M, K, n, g[p*gstep:], ldg, x[p*xstep:], ldx, dw, acc || p > 0)
	}
}
