package ir

import "fmt"

// The modified MLP of Wang, Teng & Perdikaris ("Understanding and mitigating gradient flow
// pathologies in physics-informed neural networks", 2021), as jaxpi writes it: two encoders
// of the layer's input, U = act(W_U·x + b_U) and V = act(W_V·x + b_V), then depth layers
// z = act(W_k·h + b_k), h = z⊙U + (1 − z)⊙V, starting from h = x. Every layer sees the input
// again through U and V, which eases the gradient flow of a deep PINN. It is built from
// ordinary ops, so the compiler derives its input derivatives and gradients like any other.
func init() {
	layerKinds["modified_mlp"] = &layerKind{
		usage: "modified_mlp 20, depth = 4, tanh",
		args: []argSpec{
			{name: "units", positional: 0, kind: argCount, what: "a number of units", required: true},
			{name: "depth", positional: -1, kind: argCount, what: "a number of gated layers", required: true},
			{name: "activation", positional: 1, kind: argActivation, def: "tanh"},
		},
		check: func(a layerArgs, in []int) (layerShape, *layerErr) {
			if len(in) != 1 {
				return layerShape{}, errorAt("", "modified_mlp takes a vector; its input is %s, a series [steps, channels]", shapeText(in))
			}
			act := a.text["activation"]
			if act == "softmax" {
				return layerShape{}, errorAt("activation", "modified_mlp: softmax would mix the units of each gate; use an elementwise activation such as tanh")
			}
			units, depth, fanIn := int(a.num["units"]), int(a.num["depth"]), in[0]
			kernel := func(suffix string, from int) []paramSpec {
				return []paramSpec{
					{suffix: suffix + "W", shape: []int{units, from}, init: "glorot_uniform", fanIn: from, fanOut: units},
					{suffix: suffix + "b", shape: []int{units}, init: "zeros", fanIn: from, fanOut: units},
				}
			}
			params := append(kernel("U_", fanIn), kernel("V_", fanIn)...)
			for k := 1; k <= depth; k++ {
				from := units
				if k == 1 {
					from = fanIn
				}
				params = append(params, kernel(fmt.Sprintf("%d_", k), from)...)
			}
			desc := []string{fmt.Sprint(units), fmt.Sprintf("depth = %d", depth)}
			if act != "linear" {
				desc = append(desc, act)
			}
			return layerShape{out: []int{units}, desc: desc, params: params}, nil
		},
		build: func(g *Graph, sp *layerSpec, x *Node, p func(int) *Node, _ bool) *Node {
			pos := sp.stmt.Pos
			dense := func(name string, w, b int, in *Node) *Node {
				wx := g.must(OpMatVec, name+"_Wx", pos, p(w), in)
				return activateAs(g, sp, g.must(OpAdd, name+"_z", pos, wx, p(b)), name)
			}
			u := dense(sp.name+"_U", 0, 1, x)
			v := dense(sp.name+"_V", 2, 3, x)
			// h = z⊙U + (1 − z)⊙V = V + z⊙(U − V): the difference once, one product a layer.
			uv := g.must(OpSub, sp.name+"_UV", pos, u, v)
			h := x
			depth := int(sp.args.num["depth"])
			for k := 1; k <= depth; k++ {
				name := fmt.Sprintf("%s_%d", sp.name, k)
				z := dense(name+"_gate", 4+2*(k-1), 5+2*(k-1), h)
				h = g.must(OpAdd, name, pos, v, g.must(OpMul, name+"_zUV", pos, z, uv))
			}
			h.Name = sp.name // depth ≥ 1: the last gated layer is the layer's output
			return h
		},
	}
}
