package ir

// The cross-entropies of classifiers: binary on a probability, categorical on class
// probabilities or labels, each computed from the logits when the output is a sigmoid or a
// softmax.

import (
	"fmt"

	"github.com/mlc-go/mlc/dsl"
)

// bce is the per-element binary cross-entropy. On a sigmoid output it is computed from the
// logit z as softplus(z) - y·z, which equals -y·log σ(z) - (1-y)·log(1-σ(z)) without
// rounding σ(z) to 0 or 1 (Keras does the same); otherwise p is clipped to [ε, 1-ε].
func (e *lossLowerer) bce(p, y *Node, pos dsl.Pos) *Node {
	g := e.g
	if p.Op == OpSigmoid {
		z := p.Args[0]
		return g.must(OpSub, "bce", pos, g.must(OpSoftplus, "softplus_z", pos, z), g.must(OpMul, "yz", pos, y, z))
	}
	pc := g.ClipNode(OpClip, p, bceEpsilon, 1-bceEpsilon, "p_clipped", pos)
	one := g.Const(1)
	a := g.must(OpMul, "", pos, y, g.must(OpLog, "", pos, pc))
	b := g.must(OpMul, "", pos, g.must(OpSub, "", pos, one, y), g.must(OpLog, "", pos, g.must(OpSub, "", pos, one, pc)))
	return g.must(OpNeg, "bce", pos, g.must(OpAdd, "", pos, a, b))
}

func posStr(p dsl.Pos) string { return fmt.Sprintf("declared at %d:%d", p.Line, p.Col) }

// cce is the mean categorical cross-entropy of the class probabilities p [K] against y: a
// class label per sample (y [1], Keras' sparse_categorical_crossentropy) or one value per
// class (y [K], one-hot or probabilities). On a softmax output it is computed from the
// logits z as logsumexp(z)·Σy − Σ y·z, which is −Σ y·log softmax(z) without rounding a
// probability to 0 (Keras' from_logits); on any other output p is scaled to sum to 1 and
// clipped to [ε, 1−ε] before the log, as Keras does.
func (e *lossLowerer) cce(c *dsl.Call, p, y *Node) (*Node, bool) {
	l, g, name, pos := e.l, e.g, c.Fun.Name, c.Fun.Pos
	if !p.Batched || len(p.Shape) != 1 || p.Size() < 2 {
		l.errorf(pos, "%s: the prediction %s must give one probability per class (a vector of 2 or more), found %s; "+
			"two classes are one probability: dense 1, sigmoid with binary_crossentropy", name, e.where(p), shapeStr(p))
		return nil, false
	}
	k := p.Size()
	sparse := perSampleOne(y.Shape, y.Batched)
	switch {
	case y.Op != OpTarget:
		l.errorf(c.Args[1].Value.ExprPos(), "%s: the classes must be a target (target y[1] for class labels, or y[%d] for one value per class), found %s", name, k, e.where(y))
		return nil, false
	case name == "sparse_categorical_crossentropy" && !sparse:
		l.errorf(pos, "sparse_categorical_crossentropy takes a class label per sample, y[1]; %s has shape %s (for one value per class write categorical_crossentropy)", y.Name, shapeStr(y))
		return nil, false
	case !sparse && !equalShape(y.Shape, p.Shape):
		l.errorf(pos, "%s: prediction %s has %d classes (%s) but %s has shape %s (%s): give a class label per sample, %s[1], or one value per class, %s[%d]",
			name, p.Name, k, posStr(p.Pos), y.Name, shapeStr(y), posStr(y.Pos), y.Name, y.Name, k)
		return nil, false
	}
	if !e.classifier(c, k, sparse, y) {
		return nil, false
	}
	yk := y
	if sparse {
		yk = g.OneHot(y, k, y.Name+"_onehot")
	}
	var per *Node
	if p.Op == OpSoftmax {
		z := p.Args[0]
		lse := g.LogSumExp(z, z.Name+"_logsumexp")
		yz := g.RowSum(g.must(OpMul, "", pos, yk, z), "yz")
		if !sparse { // probabilities need not sum to 1
			lse = g.must(OpMul, "", pos, lse, g.RowSum(y, y.Name+"_sum"))
		}
		per = g.must(OpSub, "cce", pos, lse, yz)
	} else {
		q := g.must(OpDiv, p.Name+"_scaled", pos, p, g.RowSum(p, p.Name+"_sum"))
		qc := g.ClipNode(OpClip, q, bceEpsilon, 1-bceEpsilon, "p_clipped", pos)
		per = g.must(OpNeg, "cce", pos, g.RowSum(g.must(OpMul, "", pos, yk, g.must(OpLog, "", pos, qc)), ""))
	}
	return g.MeanOver(per, 0, name, pos), true
}

// classifier records what a categorical cross-entropy says of the model: its number of
// classes and whether its target holds class labels. Two that disagree are refused: the
// metrics and the data checks would not know which to follow.
func (e *lossLowerer) classifier(c *dsl.Call, classes int, sparse bool, y *Node) bool {
	m := e.l.m
	labels := ""
	if sparse {
		labels = y.Name
	}
	if m.Classes == 0 {
		m.Classes, m.Labels, m.ClassesPos = classes, labels, c.Fun.Pos
		return true
	}
	if m.Classes != classes || m.Labels != labels {
		e.l.errorf(c.Fun.Pos, "%s: a second categorical cross-entropy over other classes (the first, at %d:%d, has %d classes%s); write one per model",
			c.Fun.Name, m.ClassesPos.Line, m.ClassesPos.Col, m.Classes, map[bool]string{true: " given as labels of " + m.Labels, false: ""}[m.Labels != ""])
		return false
	}
	return true
}
