package deps
import (
 _ "github.com/dave/jennifer/jen"
 _ "gonum.org/v1/gonum/optimize"
 _ "gonum.org/v1/gonum/diff/fd"
 _ "golang.org/x/tools/txtar"
 _ "gonum.org/v1/plot"
 _ "golang.org/x/term"
)
