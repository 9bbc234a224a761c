package codegen

import "github.com/mlc-go/mlc/dsl"

var posZero = dsl.Pos{}
