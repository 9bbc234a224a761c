package ir

import "slices"

// Plan is how one entry point of generated code computes its roots: which nodes get a
// buffer (materialized) and in what order, which are fused into the loop of their one
// user, and where each batched buffer lives in a shared work area.
type Plan struct {
	// Order lists the materialized nodes in computation order. Leaves that generated code
	// fills from outside (inputs, targets, dropout masks) come first.
	Order []*Node
	// Fused[id] is true for an elementwise node computed inside its single user's loop.
	Fused map[int]bool
	// Live[id] is true for every node the roots need.
	Live map[int]bool
	// Uses[id] counts the live users of a node.
	Uses map[int]int
	// Offset[id] is a batched node's place in the work area, in units of the batch stride
	// ld (MaxBatch, or PredictBatch in Predict): element f of sample b is at
	// (Offset+f)·ld + b. Buffers whose lifetimes do not overlap share space.
	Offset map[int]int
	// Rows is the size of the work area in units of the batch stride.
	Rows int
	// Inside[id] is the pad whose buffer a node is computed straight into: the node's
	// buffer is the interior of the pad's, so the pad only clears its borders instead of
	// copying the whole activation (a conv layer's input).
	Inside map[int]*Node
	// Alias[id] is the argument whose buffer a reshape (flatten) reads as its own, or whose
	// rows a crop reads as its own (the gradient of a conv layer's padded input, cut back to
	// the layer's steps): the argument's only reader, so nothing is copied.
	Alias map[int]*Node
	// ConvIn[id] is set for a conv1d layer that reads its input straight from the previous
	// layer's pre-activation (ScheduleWith): the input is pad(relu(Z + Bias)), and neither the
	// ReLU nor the pad is computed; Z lives until the layer has read it.
	ConvIn map[int]ConvInput
	// Chained[id] is set for such a layer whose Z, itself a conv1d layer, it computes in the
	// same call (ConvOptions.Chains): Z gets no buffer, and its input lives until then.
	Chained map[int]bool
}

// ConvOptions are the choices code generation makes for the conv layers of a pass.
type ConvOptions struct {
	// ReadsInput reports whether a conv1d layer reads an input pad(relu(z + bias)) itself.
	ReadsInput func(conv *Node) bool
	// Chains reports whether conv, reading its input through, computes the conv1d layer
	// first that makes z in the same call.
	Chains func(first, conv *Node) bool
}

// ConvInput is how a conv1d layer reads its input itself: Pad zero steps, then
// relu(Z + Bias) (Bias nil: relu(Z)), then zeros.
type ConvInput struct {
	Z, Bias *Node
	Pad     int
}

// fusable ops are computed inside the loop of their user when they have one user.
func fusable(n *Node) bool {
	if n.Op == OpSpread {
		return n.Sets == 0 // over some point sets it is zero on other rows: a loop of its own
	}
	if n.Op == OpBroadcast || n.Op == OpRepeat {
		return true
	}
	return Ops[n.Op].Kind == Elementwise
}

// fusesArgs reports whether an op's loop can compute elementwise arguments inline.
func fusesArgs(n *Node) bool {
	if Ops[n.Op].Kind == Elementwise {
		return true
	}
	switch n.Op {
	case OpSumBatch, OpMean, OpRowSum, OpRowMax:
		return true
	}
	return false
}

// Schedule plans the computation of roots in g. The roots always get a buffer of their own,
// never fused into a user, since the caller reads them (the prediction is copied out).
func Schedule(g *Graph, roots []*Node) *Plan { return ScheduleWith(g, roots, ConvOptions{}) }

// ScheduleWith is Schedule where each conv1d layer for which opt.ReadsInput returns true
// reads an input of the form pad(relu(z + bias)) itself when nothing else reads the ReLU or
// the pad (Plan.ConvIn): code generation passes the layers it computes through the FFT, whose
// gather takes the bias, the ReLU and the padding on the way. When z is a stride-1 conv1d
// layer read by nothing else, whose own input is a buffer, and opt.Chains agrees, the layer
// computes z too (Plan.Chained).
func ScheduleWith(g *Graph, roots []*Node, opt ConvOptions) *Plan {
	p := &Plan{Fused: map[int]bool{}, Live: map[int]bool{}, Uses: map[int]int{}, Offset: map[int]int{}, Inside: map[int]*Node{}, Alias: map[int]*Node{},
		ConvIn: map[int]ConvInput{}, Chained: map[int]bool{}}
	var visit func(n *Node)
	visit = func(n *Node) {
		if p.Live[n.ID] {
			return
		}
		p.Live[n.ID] = true
		for _, a := range n.Args {
			visit(a)
		}
	}
	isRoot := map[int]bool{}
	for _, r := range roots {
		if r != nil {
			visit(r)
			isRoot[r.ID] = true
		}
	}
	users := map[int]*Node{}
	for _, n := range g.Nodes {
		if !p.Live[n.ID] {
			continue
		}
		for _, a := range n.Args {
			p.Uses[a.ID]++
			users[a.ID] = n
		}
	}
	for _, n := range g.Nodes {
		if !p.Live[n.ID] || isRoot[n.ID] || !fusable(n) || p.Uses[n.ID] != 1 {
			continue
		}
		if u := users[n.ID]; fusesArgs(u) && (n.Batched || !u.Batched) {
			p.Fused[n.ID] = true
		}
	}
	skip := map[int]bool{} // the ReLUs and pads conv layers read through
	if opt.ReadsInput != nil {
		for _, n := range g.Nodes {
			if !p.Live[n.ID] || n.Op != OpConv1D || !opt.ReadsInput(n) {
				continue
			}
			in, ok := p.convInput(n, isRoot)
			if !ok {
				continue
			}
			p.ConvIn[n.ID] = in
			skip[n.Args[1].ID], skip[n.Args[1].Args[0].ID] = true, true
			z := in.Z
			if _, through := p.ConvIn[z.ID]; opt.Chains != nil && z.Op == OpConv1D && z.Stride == 1 && !through &&
				p.Uses[z.ID] == 1 && !isRoot[z.ID] && !skip[z.Args[1].ID] && opt.Chains(z, n) {
				p.Chained[n.ID] = true
				skip[z.ID] = true
			}
		}
	}
	for _, n := range g.Nodes {
		if p.Live[n.ID] && !p.Fused[n.ID] && !skip[n.ID] && n.Op != OpConst && n.Op != OpParam {
			p.Order = append(p.Order, n)
		}
	}
	for _, n := range p.Order {
		if n.Op != OpPad {
			continue
		}
		// The pad's argument can live inside it: its other readers (a training pass keeps a
		// layer's output for its adjoint) read the interior, and the buffer lives until the
		// last of them. An argument can sit inside one pad only, and a pad of a pad would nest
		// two such layouts; those stay copies.
		if a := n.Args[0]; !p.Fused[a.ID] && a.Batched && n.Batched && p.Inside[a.ID] == nil && !isRoot[a.ID] && a.Op != OpPad {
			p.Inside[a.ID] = n
		}
	}
	for _, n := range p.Order {
		if a := n.Args; (n.Op == OpReshape || n.Op == OpCrop && n.Batched && a[0].Batched) && !p.Fused[a[0].ID] && p.Uses[a[0].ID] == 1 && !isRoot[a[0].ID] && p.Inside[a[0].ID] == nil {
			p.Alias[n.ID] = a[0]
		}
	}
	p.assignOffsets(isRoot)
	return p
}

// convInput reports whether conv's input is pad(relu(z + bias)) or pad(relu(z)) with the
// pad and the ReLU read by conv alone, z a batched [steps, channels] buffer and bias a
// parameter-like unbatched vector of one value per channel, and says how to read it.
func (p *Plan) convInput(conv *Node, isRoot map[int]bool) (ConvInput, bool) {
	pad := conv.Args[1]
	if pad.Op != OpPad || !pad.Batched || p.Uses[pad.ID] != 1 || isRoot[pad.ID] {
		return ConvInput{}, false
	}
	act := pad.Args[0]
	if act.Op != OpRelu || !act.Batched || p.Fused[act.ID] || p.Uses[act.ID] != 1 || isRoot[act.ID] {
		return ConvInput{}, false
	}
	z, bias := act.Args[0], (*Node)(nil)
	if p.Fused[z.ID] {
		if z.Op != OpAdd {
			return ConvInput{}, false
		}
		a, b := z.Args[0], z.Args[1]
		if !a.Batched {
			a, b = b, a
		}
		if !a.Batched || b.Batched || p.Fused[a.ID] || p.Fused[b.ID] || b.Op == OpConst || b.Size() != pad.Shape[1] {
			return ConvInput{}, false
		}
		z, bias = a, b
	}
	if !z.Batched || len(z.Shape) != 2 || z.Shape[1] != pad.Shape[1] {
		return ConvInput{}, false
	}
	return ConvInput{Z: z, Bias: bias, Pad: pad.PadL}, true
}

// assignOffsets gives each batched materialized node a place in the work area, reusing
// the place of a buffer whose last reader has run (first fit over freed ranges).
func (p *Plan) assignOffsets(isRoot map[int]bool) {
	last := map[int]int{} // node id -> index in Order of its last reader
	var readers func(n *Node, at int)
	readers = func(n *Node, at int) {
		for _, a := range n.Args {
			if p.Fused[a.ID] {
				readers(a, at)
				continue
			}
			last[a.ID] = at
		}
	}
	for i, n := range p.Order {
		if in, ok := p.ConvIn[n.ID]; ok {
			z := in.Z
			if p.Chained[n.ID] { // it computes z from z's arguments
				for _, a := range z.Args {
					last[a.ID] = i
				}
			} else {
				last[z.ID] = i // it reads z itself, not its pad
			}
			last[n.Args[0].ID] = i
			continue
		}
		readers(n, i)
	}
	for a, pad := range p.Inside { // a pad's buffer lives as long as the node inside it
		if l, ok := last[a]; ok && l > last[pad.ID] {
			last[pad.ID] = l
		}
	}
	type span struct{ off, rows int }
	var free []span
	top := 0
	alloc := func(rows int) int {
		for k, s := range free {
			if s.rows >= rows {
				if s.rows == rows {
					free = append(free[:k], free[k+1:]...)
				} else {
					free[k] = span{s.off + rows, s.rows - rows}
				}
				return s.off
			}
		}
		top += rows
		return top - rows
	}
	expiring := map[int][]*Node{}
	expire := func(n *Node, i int) {
		if isRoot[n.ID] {
			return
		}
		if l, ok := last[n.ID]; ok {
			expiring[l] = append(expiring[l], n)
		} else {
			expiring[i] = append(expiring[i], n)
		}
	}
	for i, n := range p.Order {
		if a := p.Alias[n.ID]; a != nil {
			// The reshape or crop takes its argument's buffer over: freed after its own last
			// reader.
			p.Offset[n.ID] = p.Offset[a.ID]
			if n.Op == OpCrop {
				p.Offset[n.ID] += n.PadL * n.Shape[1]
			}
			expiring[i] = slices.DeleteFunc(expiring[i], func(x *Node) bool { return x == a })
			expire(n, i)
			continue
		}
		if n.Batched {
			if _, placed := p.Offset[n.ID]; placed {
				// A pad whose argument was computed inside it.
				expire(n, i)
			} else if pad := p.Inside[n.ID]; pad != nil {
				// The pad's buffer, with this node in its interior; freed with the pad, after
				// the last reader of either.
				off := alloc(pad.Size())
				p.Offset[pad.ID] = off
				p.Offset[n.ID] = off + pad.PadL*pad.Shape[1]
			} else {
				p.Offset[n.ID] = alloc(n.Size())
				expire(n, i)
			}
		}
		// Buffers whose last reader is node i are free for the nodes after it.
		for _, dead := range expiring[i] {
			if a := p.Alias[dead.ID]; a != nil {
				dead = a // the whole buffer, of which a crop holds rows
			}
			free = append(free, span{p.Offset[dead.ID], dead.Size()})
		}
	}
	p.Rows = top
}
