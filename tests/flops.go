// Package tests holds mlc's cross-package tests (gradients against finite differences,
// golden files, allocations, end to end) and the benchmarks of the generated models. This
// file, its only non-test one, has the benchmarks' FLOP counts: they report GFLOP/s with
// them, and the bench command's table uses the same numbers.
package tests

// FLOP counts. A multiply-add counts as 2 FLOPs; activations, the loss and the optimizer
// update are not counted (they are O(parameters) or O(activations), not O(multiply-adds)).
//
// Cancer model, 30 → 20 → 12 → 4 → 1 dense:
//
//	forward, one row   = 2·(30·20 + 20·12 + 12·4 + 4·1) = 2·892 = 1 784 FLOPs
//	training, one row  = forward + backward ≈ forward + 2×forward = 3 × 1 784 = 5 352 FLOPs
//	                     (backward computes both the input gradient and the weight gradient,
//	                     each as many multiply-adds as the forward pass)
//	one epoch          = 503 training rows × 5 352 + 56 validation rows × 1 784
//	                   = 2 692 056 + 99 904 = 2 791 960 FLOPs ≈ 2.79 MFLOP
//	one LossGrad batch = 32 × 5 352 = 171 264 FLOPs
const (
	CancerFwdRow   = 2 * (30*20 + 20*12 + 12*4 + 4*1)     // 1 784
	CancerTrainRow = 3 * CancerFwdRow                     // 5 352
	CancerEpoch    = 503*CancerTrainRow + 56*CancerFwdRow // 2 791 960
	CancerBatch    = 32 * CancerTrainRow                  // 171 264

	// Conv1D autoencoder ('same' convolutions over 240 steps: 3→32 k10, 32→8 k10, 8→4 k10,
	// 4→3 k4), as torch_conv_ae.py's fwd_flops_per_window:
	//	forward, one window = 2·240·(3·32·10 + 32·8·10 + 8·4·10 + 4·3·4) = 1 866 240 FLOPs
	//	training, one batch of 128 windows = 3 × 1 866 240 × 128 = 716 636 160 FLOPs
	ConvAEFwdWindow  = 2 * 240 * (3*32*10 + 32*8*10 + 8*4*10 + 4*3*4)
	ConvAETrainBatch = 3 * ConvAEFwdWindow * 128

	// Burgers PINN (x, t → 8 × dense 20 tanh → u), the products of mlc's loss+gradient pass
	// over one point: the value and the derivative streams u_x, u_t, u_xx each go through
	// the 7 20×20 layers and the last 1×20 one forward (one product each) and back (an
	// input and a weight gradient: two more), 12 products a layer; the first layer's
	// products for the derivative streams do not depend on the point (W·e_x, W·e_t) and are
	// not counted, its value-stream forward and weight gradient are.
	//	one point = 2·(12·7·20·20 + 2·20·2 + 12·1·20) = 2·33 920 = 67 840 FLOPs
	//	one loss+gradient evaluation (an Adam step, an L-BFGS evaluation) over the
	//	5300 points = 359 552 000 FLOPs ≈ 0.36 GFLOP
	// TestBurgersFLOPs checks the 33 920 against the products in the generated code.
	BurgersPoint = 2 * (12*7*20*20 + 2*20*2 + 12*1*20)
	BurgersEval  = 5300 * BurgersPoint
)
