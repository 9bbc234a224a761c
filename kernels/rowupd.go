package kernels

// RowUpdateDot64 sets row[j] = a·row[j] + u·s[j] + v·t[j] for j < len(row) and returns
// Σ row[j]·x[j] over the updated row. It is the pass over the inverse Hessian that an
// iteration of the runtime's BFGS stage makes: a rank-two update of each row, fused with the
// product of the new matrix and the gradient, so the matrix is read and written once.
// s, t and x must be at least as long as row. The paths may differ in the last bits of the
// sum (it is summed in another order).
func RowUpdateDot64(row, s, t, x []float64, a, u, v float64) float64 {
	n := len(row)
	if len(s) < n || len(t) < n || len(x) < n {
		panic("kernels.RowUpdateDot64: s, t and x must be at least as long as row")
	}
	if n == 0 {
		return 0
	}
	if UsingAsm() {
		return rowUpdateDot64Asm(row, s, t, x, a, u, v)
	}
	return rowUpdateDot64Go(row, s, t, x, a, u, v)
}

func rowUpdateDot64Go(row, s, t, x []float64, a, u, v float64) float64 {
	s, t, x = s[:len(row)], t[:len(row)], x[:len(row)]
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(row); j += 4 {
		r0 := a*row[j] + u*s[j] + v*t[j]
		r1 := a*row[j+1] + u*s[j+1] + v*t[j+1]
		r2 := a*row[j+2] + u*s[j+2] + v*t[j+2]
		r3 := a*row[j+3] + u*s[j+3] + v*t[j+3]
		row[j], row[j+1], row[j+2], row[j+3] = r0, r1, r2, r3
		s0 += r0 * x[j]
		s1 += r1 * x[j+1]
		s2 += r2 * x[j+2]
		s3 += r3 * x[j+3]
	}
	for ; j < len(row); j++ {
		row[j] = a*row[j] + u*s[j] + v*t[j]
		s0 += row[j] * x[j]
	}
	return (s0 + s1) + (s2 + s3)
}
