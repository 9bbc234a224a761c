package ir

// describe fills in what lay records of the layer sp beyond its name and description: its
// kind, shapes, arguments, padding and parameters; in is its input's shape.
func (sp *layerSpec) describe(lay *Layer, in []int) {
	lay.Kind, lay.In, lay.Out = sp.stmt.Kind.Name, in, sp.shape.out
	lay.Num, lay.Text, lay.Params = sp.args.num, sp.args.text, sp.params
	lay.Pool, lay.PoolStride = sp.shape.pool, sp.shape.stride
	if len(sp.shape.params) > 0 {
		lay.PadL, lay.PadR = sp.shape.params[0].padL, sp.shape.params[0].padR
	}
}
