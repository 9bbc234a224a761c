package ir

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
	// Offset[id] is a batched node's place in the work area, in units of MaxBatch values:
	// element f of sample b is at (Offset+f)·MaxBatch + b. Buffers whose lifetimes do not
	// overlap share space.
	Offset map[int]int
	// Rows is the size of the work area in units of MaxBatch values.
	Rows int
}

// fusable ops are computed inside the loop of their user when they have one user.
func fusable(n *Node) bool {
	if n.Op == OpSpread {
		return n.Sets == 0 // over some point sets it is zero on other rows: a loop of its own
	}
	if n.Op == OpBroadcast {
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
	case OpSumBatch, OpMean:
		return true
	}
	return false
}

// Schedule plans the computation of roots in g. keep lists nodes that must get their own
// buffer even if they could be fused (for example the prediction, which is copied out).
func Schedule(g *Graph, roots []*Node) *Plan {
	p := &Plan{Fused: map[int]bool{}, Live: map[int]bool{}, Uses: map[int]int{}, Offset: map[int]int{}}
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
	for _, n := range g.Nodes {
		if p.Live[n.ID] && !p.Fused[n.ID] && n.Op != OpConst && n.Op != OpParam {
			p.Order = append(p.Order, n)
		}
	}
	p.assignOffsets(isRoot)
	return p
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
		readers(n, i)
	}
	type span struct{ off, rows int }
	var free []span
	top := 0
	expiring := map[int][]*Node{}
	for i, n := range p.Order {
		if n.Batched {
			rows := n.Size()
			off := -1
			for k, s := range free {
				if s.rows >= rows {
					off = s.off
					if s.rows == rows {
						free = append(free[:k], free[k+1:]...)
					} else {
						free[k] = span{s.off + rows, s.rows - rows}
					}
					break
				}
			}
			if off < 0 {
				off = top
				top += rows
			}
			p.Offset[n.ID] = off
			if l, ok := last[n.ID]; ok && !isRoot[n.ID] {
				expiring[l] = append(expiring[l], n)
			} else if !ok && !isRoot[n.ID] {
				expiring[i] = append(expiring[i], n)
			}
		}
		// Buffers whose last reader is node i are free for the nodes after it.
		for _, dead := range expiring[i] {
			free = append(free, span{p.Offset[dead.ID], dead.Size()})
		}
	}
	p.Rows = top
}
