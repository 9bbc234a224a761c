package ir

import "github.com/mlc-go/mlc/dsl"

// Model is a lowered .ml file: its declarations, its parameters and two graphs. Infer is
// the network as used for prediction (dropout off); Train is the training pass (dropout
// on) with the gradient of the loss with respect to every parameter.
type Model struct {
	Name    string
	NamePos dsl.Pos // where the model statement names it
	Source  string  // the file name as given to dsl.Parse
	DType   string  // float32 or float64

	Inputs  []*Tensor
	Targets []*Tensor
	Output  *Tensor // what Predict returns: the network's output, or the output statements
	// OutputNames name the components of Output when they have names of their own
	// (`dense 3 -> u, v, p`, or one `output` statement each); else it is Output's name.
	OutputNames []string
	// ResidualNames name the residual statements, in the order of Pass.Residuals.
	ResidualNames []string
	Params        []*Param
	Layers        []*Layer
	// Sequential is set when Predict is the layer stack alone: the inputs, one after
	// another, go into the first layer, and the last layer's output is Predict's (no
	// features, periodic inputs or output statements).
	Sequential bool
	// SoftmaxOutput names the one output statement when Predict is the layer stack followed
	// by softmax: Sequential but for `output p = softmax(z)`, z the last layer's output
	// (a classifier trained on its logits). Empty otherwise.
	SoftmaxOutput string

	// NumParams is the length of the flat parameter vector.
	NumParams int

	Infer *Pass
	Train *Pass

	Metrics    []string
	Optimizers []*Optimizer
	Settings   Settings

	// PointSets are the `points` statements, in order. A model with point sets is trained
	// full-batch on them (a physics-informed network); the batch is all their points, the
	// sets one after another.
	PointSets []*PointSet
	// TermNames names the terms of the loss (its top-level sum), as Pass.Terms.
	TermNames []string

	// Coefficients are the trainable scalars of `param` statements (unknown coefficients of
	// an inverse problem); each is also one of Params.
	Coefficients []*Coefficient
	// Periodic are the inputs of `periodic` statements: the network sees them only through
	// cos and sin of their phase.
	Periodic []*Periodic
	// References are what training measures its error against.
	References []*Reference
	// Data are the data statements of a mini-batch model: where its rows come from.
	Data []*DataSet
	// Domain is the box the point sets' grids and samples span, [lo, hi] per input (nil
	// without any): where plots show a field that has no reference.
	Domain [][2]float64
	// ConstValues are the values of the model's named constants (const statements), which
	// closed forms (known values, references) use.
	ConstValues map[string]float64

	// Classes is the number of classes of a classifier, a model whose loss holds a
	// categorical cross-entropy (0 for others); ClassesPos is where that loss is written.
	Classes    int
	ClassesPos dsl.Pos
	// Labels names the target that holds a class label (0 … Classes-1) per sample, or is
	// empty when the targets give one value per class.
	Labels string
}

// Coefficient is `param NAME = VALUE [, positive]`: a trainable scalar. A positive one is
// stored as its logarithm (Param holds log(value)), so no step can make it negative.
type Coefficient struct {
	Name     string
	Param    *Param
	Init     float64 // the value it starts from
	Positive bool
	// Term is 1 + the index of the loss term a balancing weight multiplies (train balance =
	// grad_norm): the fit sets it from gradient norms, the optimizer never moves it. 0 for
	// a param statement's coefficient.
	Term int
	Pos  dsl.Pos
}

// Causal is `train causal(t, chunks = M, epsilon = E, every = N)` (Wang, Sankaran &
// Perdikaris, "Respecting causality is all you need for training PINNs"): each point set
// drawn by one sample(...) gets a known value causal_SET, 1 at first, that multiplies what
// the loss averages over that set. Every N first-order steps the set's points are cut by
// the input t into M chunks of equal length, L_i is the mean of the squared residuals on
// chunk i, and a point of chunk i weighs exp(−E·Σ_{k<i} L_k): a later time counts only once
// the earlier ones fit.
type Causal struct {
	Input         string // the time input
	Chunks, Every int
	Epsilon       float64
	Sets          []*PointSet // the weighted sets; their weight is the known causal_NAME
	Lo, Hi        []float64   // each set's interval of Input
	Pos           dsl.Pos
}

// Resample is `train resample = rad(every = N, k = K, c = C)`: every N steps or L-BFGS iterations,
// each point set drawn by one sample(...) is drawn again from 10 times as many uniform
// candidates, a candidate kept with probability ∝ |r|^k / mean |r|^k + c, r its residuals
// (Wu et al., residual-based adaptive distribution, RAD).
type Resample struct {
	Every int
	K, C  float64
	Pos   dsl.Pos
}

// Balance is `train balance = grad_norm(every = N, alpha = A)`: every N first-order steps,
// each loss term's weight λ_i moves to α·λ_i + (1−α)·Σ_j‖∇L_j‖/‖∇L_i‖, so that the terms
// pull on the network equally (Wang, Wang & Perdikaris, "An expert's guide to training
// PINNs"). The weights are coefficients named weight_TERM.
type Balance struct {
	Every int
	Alpha float64
	Pos   dsl.Pos
}

// Periodic is `periodic NAME in [LO, HI], harmonics = H`: the input NAME enters the network
// as cos(k·2π(x−LO)/(HI−LO)) and sin(…) for k = 1…H, so the network is periodic in it.
type Periodic struct {
	Input     string
	Lo, Hi    float64
	Harmonics int
	Pos       dsl.Pos
}

// PointSet is a named set of points: the input columns and the values known there.
type PointSet struct {
	Name  string
	Known []*Tensor // per-point known values, e.g. u_bd; each [1]
	Pos   dsl.Pos
	// Sources say where the points come from (empty: the program embedding the model gives
	// them), Values the known values given as closed forms of the columns.
	Sources []*Source
	Values  []*KnownValue
}

// Tensor is a declared input, target or output.
type Tensor struct {
	Name  string
	Shape []int
	Pos   dsl.Pos
}

// Size is the number of values per sample.
func (t *Tensor) Size() int { return size(t.Shape) }

// Layer records a layer for documentation in generated code, and for describing the
// network to other frameworks (the PyTorch names of safetensors files).
type Layer struct {
	Name string // dense1, dropout1, ...
	Desc string // "dense 20, tanh"
	Pos  dsl.Pos

	Kind    string // the layer statement: dense, conv1d, dropout
	In, Out []int  // the shapes of one sample's input and output
	// Num and Text are the arguments as read, defaults included: counts and rates
	// (units, kernel, stride, rate) and names (activation, padding).
	Num  map[string]float64
	Text map[string]string
	// PadL and PadR are the zeros a conv1d adds before and after the steps of its input.
	PadL, PadR int
	// Pool and PoolStride are a pooling layer's windows: Pool steps, PoolStride apart (the
	// stride's default, the pool size, applied); a global pool's one window is all the steps.
	Pool, PoolStride int
	Params           []*Param // the layer's parameters, in order (W, then b)
}

// Pass is one graph with its roots: the prediction, the loss and, for training, the
// gradient of the loss with respect to each of Model.Params (same order).
type Pass struct {
	Graph *Graph
	Pred  *Node
	Loss  *Node
	Grads []*Node
	// Terms are the summands of the loss, named by Model.TermNames.
	Terms []*Node

	// Summed is the loss without its constant part Const: the part generated code
	// computes on each part of the rows (the halves of a batch, the tiles of the points)
	// and adds up; Const is added once. Likewise each term: TermSummed[i] (nil for a
	// constant term) plus TermConst[i].
	Summed     *Node
	Const      float64
	TermSummed []*Node
	TermConst  []float64
	// Residuals are the residual statements' values, in order (the inference pass only).
	Residuals []*Node
}

// Optimizer is one step of the optimizer schedule, e.g. adam(lr = 1e-3).
type Optimizer struct {
	Name string
	Args map[string]float64
	// Schedule is how a mini-batch model's learning rate changes over the epochs (nil: it
	// does not).
	Schedule *LRSchedule
	Pos      dsl.Pos
}

// Settings are the training settings of the `train` statement, with Keras' defaults.
type Settings struct {
	// StopRelChange and StopPatience are stop_when(rel_change < X, patience = N): stop a
	// full-batch run when the loss moved less than X·loss over the last N steps.
	StopRelChange float64
	StopPatience  int

	Epochs          int
	Batch           int
	BatchGiven      bool // the train statement set the batch
	EpochsGiven     bool // the train statement set the epochs
	ValidationSplit float64
	Shuffle         bool
	Seed            uint64
	Patience        int // 0: no early stopping
	RestoreBest     bool
	// Folds > 1 asks mlc train to cross-validate the model over that many folds of its
	// training rows (FoldsPos: where) before training it on all of them.
	Folds    int
	FoldsPos dsl.Pos
	// Balance weighs the loss terms by their gradient norms; nil: fixed weights.
	Balance *Balance
	// Resample redraws the sampled point sets by their residuals; nil: fixed points.
	Resample *Resample
	// Causal weighs the sampled points by time chunk; nil: no causal weighting.
	Causal *Causal
}
