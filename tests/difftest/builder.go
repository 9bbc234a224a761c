package difftest

import "math/rand/v2"

// Builder writes a model by hand with the generator's own steps, so that a minimised
// finding is judged by the same reference as the random models.
type Builder struct {
	g            *gen
	inputGroups  []int
	targetGroups []int
}

// Build makes the model name with train batch batch (a point-set model's tile) from the
// statements f declares.
func Build(name string, batch int, f func(b *Builder)) *Model {
	b := &Builder{g: &gen{r: rand.New(rand.NewPCG(1, 1)), m: &Model{Name: name, Batch: batch, Features: map[string]bool{}, Binary: map[string]bool{}, Labels: map[string]int{}, LinearLoss: true}}}
	f(b)
	b.g.m.writeSource(b.inputGroups, b.targetGroups, "")
	return b.g.m
}

// Input declares inputs in one statement: names with shapes (nil for a scalar).
func (b *Builder) Input(ts ...Tensor) {
	b.g.m.Inputs = append(b.g.m.Inputs, ts...)
	b.inputGroups = append(b.inputGroups, len(ts))
}

// Target declares targets in one statement.
func (b *Builder) Target(ts ...Tensor) {
	b.g.m.Targets = append(b.g.m.Targets, ts...)
	b.targetGroups = append(b.targetGroups, len(ts))
}

// Layer appends a layer (Kind, Units, Act, Kernel, Stride, Same, Rate, Out as in the
// source).
func (b *Builder) Layer(l Layer) { b.g.addLayer(&l) }

// Const declares a constant.
func (b *Builder) Const(name string, e Expr) {
	b.g.m.Consts = append(b.g.m.Consts, Const{Name: name, Expr: e, Value: constValue(e, b.g.m.Consts)})
}

// Set declares a point set and makes the model a point-set model.
func (b *Builder) Set(name string, known ...string) {
	b.g.m.Points = true
	b.g.m.Sets = append(b.g.m.Sets, Set{name, known})
}

// Let declares a let or residual.
func (b *Builder) Let(keyword, name string, e Expr) {
	b.g.m.Lets = append(b.g.m.Lets, Let{Keyword: keyword, Name: name, Expr: e})
}

// Output declares `output name = e` of size values per row.
func (b *Builder) Output(name string, e Expr, size int) {
	b.g.m.Lets = append(b.g.m.Lets, Let{Keyword: "output", Name: name, Expr: e, Size: size})
}

// Param declares `param name = value [, positive]`; call it after the layers.
func (b *Builder) Param(name string, value Expr, positive bool) {
	b.g.addCoef(name, value, positive)
}

// Periodic declares `periodic input in [lo, hi] [, harmonics = h]` (h 0: not written);
// call it before the layers.
func (b *Builder) Periodic(input string, lo, hi Expr, h int) {
	b.g.m.Periodic = append(b.g.m.Periodic, Periodic{input, lo, hi, h})
}

// Loss sets the loss; outside names the construct outside the language it carries, if any.
func (b *Builder) Loss(e Expr, outside string) {
	b.g.m.Loss = e
	b.g.m.Outside = outside
	if outside == "loss nonlinear in its means" {
		b.g.m.LinearLoss = false
	}
}

// Binary marks a target whose values must lie in [0, 1].
func (b *Builder) Binary(name string) { b.g.m.Binary[name] = true }

// Labels marks a target that holds class labels of the given number of classes.
func (b *Builder) Labels(name string, classes int) { b.g.m.Labels[name] = classes }

// Refuse marks the model as carrying kind, a construct mlc must refuse at the line of the
// last occurrence of at in the source.
func (b *Builder) Refuse(kind, at string) {
	b.g.m.Outside, b.g.m.MustRefuse, b.g.m.RefuseAt = kind, true, at
}

// Features gives the model a features statement of exprs, size values per row in all.
func (b *Builder) Features(size int, exprs ...Expr) {
	b.g.m.FeatureExprs, b.g.m.FeatureSize = exprs, size
}
