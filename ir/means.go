package ir

import "github.com/mlc-go/mlc/dsl"

// Means: a loss is a weighted sum of means over rows or point sets, computed part by part
// (the halves of a batch, the tiles of the points); the checks that keep it so, and its
// split into the summed part and the constant.

// setOperator returns the first operator other than '+' in a sum of point sets, or nil.
func setOperator(x dsl.Expr) *dsl.Binary {
	switch x := x.(type) {
	case *dsl.Paren:
		return setOperator(x.X)
	case *dsl.Binary:
		if x.Op != "+" {
			return x
		}
		if bad := setOperator(x.X); bad != nil {
			return bad
		}
		return setOperator(x.Y)
	}
	return nil
}

// notASet returns the first part of a sum of point sets that is not a name, or nil.
func notASet(x dsl.Expr) dsl.Expr {
	switch x := x.(type) {
	case *dsl.Ident:
		return nil
	case *dsl.Paren:
		return notASet(x.X)
	case *dsl.Binary:
		if bad := notASet(x.X); bad != nil {
			return bad
		}
		return notASet(x.Y)
	}
	return x
}

func setNames(x dsl.Expr) []string {
	switch x := x.(type) {
	case *dsl.Ident:
		return []string{x.Name}
	case *dsl.Paren:
		return setNames(x.X)
	case *dsl.Binary:
		return append(setNames(x.X), setNames(x.Y)...)
	}
	return nil
}

// meansAreSums checks what lets generated code compute a loss part by part (the halves of
// a batch, the tiles of a point set) and add the parts: the loss is a weighted sum of means,
// and no mean is used per sample (inside a residual, or inside another mean), where each
// part would see the mean of its own rows only.
func (l *lowerer) meansAreSums(e *lossLowerer, loss *Node) bool {
	g := e.g
	meanIn := make([]*Node, len(g.Nodes)) // a mean that node i depends on
	for _, n := range g.Nodes {
		for _, a := range n.Args {
			m := meanIn[a.ID]
			if a.Op == OpMean {
				m = a
			}
			if m == nil {
				continue
			}
			if n.Batched {
				l.errorf(m.Pos, "this mean is one number over all the rows it averages, but %s at %d:%d uses it per row; "+
					"mlc computes a loss part by part over the rows, so a mean may only be a term of the loss (weighted by constants); "+
					"the mean of each sample's own values is sum(e) / N", opText(n.Op), n.Pos.Line, n.Pos.Col)
				return false
			}
			meanIn[n.ID] = m
		}
	}
	hasMean := meanDependence(g)
	if bad := nonlinearInMeans(loss, hasMean); bad != nil {
		pos := bad.Pos
		if pos.Line == 0 {
			pos = l.loss.Expr.ExprPos()
		}
		if !hasMean[bad.ID] {
			// Nodes are shared, so bad's own position may be another use of it (k^2 inside a
			// valid mean): the term written without a mean is where to point.
			parts, _ := splitTerms(l.loss.Expr)
			for _, p := range parts {
				if n, ok := e.expr(p); ok && !hasMean[n.ID] && n.Op != OpConst {
					pos = p.ExprPos()
					break
				}
			}
			l.errorf(pos, "this term of the loss averages nothing over the points (it depends on params alone), so a sum part by part over the rows would count it once per part; "+
				"write it as a mean over a point set, as in mean(S, k^2)")
			return false
		}
		what := opText(bad.Op) + " of a mean"
		switch bad.Op {
		case OpMul:
			what = "a product of two values that both depend on the points"
		case OpDiv:
			what = "a division by a value that depends on the points"
		}
		l.errorf(pos, "the loss must be a weighted sum of means (mse, mae, binary_crossentropy, mean(...)) with weights of constants and params, "+
			"since mlc sums it part by part over the rows; found %s", what)
		return false
	}
	return true
}

// opText is how an op is written in a .ml file, for messages.
func opText(op Op) string {
	switch op {
	case OpAdd:
		return "'+'"
	case OpSub:
		return "'-'"
	case OpMul:
		return "'*'"
	case OpDiv:
		return "'/'"
	case OpNeg:
		return "'-'"
	}
	return op.String() + "(...)"
}

// nonlinearInMeans returns the node where a scalar loss stops being a weighted sum of means
// (then the sum of its values on the parts of a batch is not its value on the whole), or nil.
// A weight is a constant or a value of the params alone (a coefficient weighting a term);
// a term must hold a mean (a term of params alone would be counted once per part) unless it
// is a constant, which is added once.
func nonlinearInMeans(n *Node, hasMean []bool) *Node {
	switch n.Op {
	case OpMean, OpConst:
		return nil
	case OpAdd, OpSub:
		if bad := nonlinearInMeans(n.Args[0], hasMean); bad != nil {
			return bad
		}
		return nonlinearInMeans(n.Args[1], hasMean)
	case OpNeg:
		return nonlinearInMeans(n.Args[0], hasMean)
	case OpMul:
		for i := range 2 {
			w, x := n.Args[i], n.Args[1-i]
			if hasMean[w.ID] {
				continue
			}
			if w.Op != OpConst && (!hasMean[x.ID] || hasConstTerm(x, hasMean)) {
				return n // a param-weighted term without a mean
			}
			return nonlinearInMeans(x, hasMean)
		}
	case OpDiv:
		if d := n.Args[1]; !hasMean[d.ID] {
			if d.Op != OpConst && hasConstTerm(n.Args[0], hasMean) {
				return n
			}
			return nonlinearInMeans(n.Args[0], hasMean)
		}
	}
	return n
}

// meanDependence marks the nodes of g that depend on a mean (or are one).
func meanDependence(g *Graph) []bool {
	has := make([]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		has[n.ID] = n.Op == OpMean
		for _, a := range n.Args {
			has[n.ID] = has[n.ID] || has[a.ID]
		}
	}
	return has
}

// weight splits a product in a weighted sum of means into its weight (the factor without a
// mean) and its term.
func weight(n *Node, hasMean []bool) (w, x *Node) {
	if !hasMean[n.Args[0].ID] {
		return n.Args[0], n.Args[1]
	}
	return n.Args[1], n.Args[0]
}

// splitConst writes a loss that is a weighted sum of means (see nonlinearInMeans) as the
// sum of its means and its constant part, which a sum over parts of the rows would count
// once per part. A loss without a constant term is returned as it is; a constant loss
// gives a nil node.
func splitConst(g *Graph, n *Node, hasMean []bool) (*Node, float64) {
	if !hasConstTerm(n, hasMean) {
		return n, 0
	}
	switch n.Op {
	case OpConst:
		return nil, n.Value
	case OpAdd, OpSub:
		a, ca := splitConst(g, n.Args[0], hasMean)
		b, cb := splitConst(g, n.Args[1], hasMean)
		if n.Op == OpSub {
			cb = -cb
		}
		switch {
		case a == nil && b == nil:
			return nil, ca + cb
		case b == nil:
			return a, ca + cb
		case a == nil && n.Op == OpSub:
			return g.neg(b), ca + cb
		case a == nil:
			return b, ca + cb
		}
		return g.must(n.Op, n.Name, n.Pos, a, b), ca + cb
	case OpNeg:
		a, c := splitConst(g, n.Args[0], hasMean)
		if a != nil {
			a = g.neg(a)
		}
		return a, -c
	case OpMul:
		k, x := weight(n, hasMean) // a constant: hasConstTerm says no for a param weight
		a, c := splitConst(g, x, hasMean)
		if a != nil {
			a = g.must(OpMul, n.Name, n.Pos, k, a)
		}
		return a, k.Value * c
	case OpDiv:
		a, c := splitConst(g, n.Args[0], hasMean)
		if a != nil {
			a = g.must(OpDiv, n.Name, n.Pos, a, n.Args[1])
		}
		return a, c / n.Args[1].Value
	}
	internalf("splitConst of %s", n.Op)
	return nil, 0
}

// hasConstTerm reports whether a weighted sum of means has a constant term (a term with a
// param weight has none: nonlinearInMeans refuses a param-weighted constant).
func hasConstTerm(n *Node, hasMean []bool) bool {
	switch n.Op {
	case OpConst:
		return true
	case OpAdd, OpSub:
		return hasConstTerm(n.Args[0], hasMean) || hasConstTerm(n.Args[1], hasMean)
	case OpNeg:
		return hasConstTerm(n.Args[0], hasMean)
	case OpMul:
		if w, x := weight(n, hasMean); w.Op == OpConst {
			return hasConstTerm(x, hasMean)
		}
	case OpDiv:
		if n.Args[1].Op == OpConst {
			return hasConstTerm(n.Args[0], hasMean)
		}
	}
	return false
}
