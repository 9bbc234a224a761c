// Package difftest is a differential tester for the whole compiler, after Csmith: it
// generates random valid .ml models (and, with some probability, models with constructs
// outside the documented language), compiles each with mlc, builds all of a round's
// generated packages with one driver program in one fresh module (one go build, one
// link), runs them, and judges every result three ways:
//
//   - against ir.Evaluate, the interpreter, on the same lowered graph (Infer and Train
//     passes), to 1e-9;
//   - against an independent reference written here from the generator's own
//     description of the model (dense W·x + b, Keras conv1d padding, the losses, means over
//     rows and point sets, periodic inputs as cos/sin features, features statements,
//     coefficients (exp of the stored value for a positive one), output transforms,
//     integer powers, input derivatives from fourth-order Taylor jets), to 1e-8 — this one
//     catches lowering bugs the interpreter shares with the generated code;
//   - against itself: Predict of all rows vs one row at a time, a split batch (n ≥ 64,
//     two workers) vs its unsplit halves, every point given twice vs once; and the
//     interpreter's gradient against central finite differences of its loss (every
//     coefficient among the parameters tried);
//   - the API: CoefficientNames and Coefficients (after Init, and after the parameters were
//     set), OutputNames, and TermNames, where a term written `EXPR as NAME` must be
//     reported as NAME.
//
// A model carrying a construct outside the language (a set difference, a mean inside a
// residual or nested in a mean, a mini-batch loss nonlinear in its means) must either be
// refused with an error that starts with NAME.ml:LINE:COL:, or compile and agree with the
// reference, whose semantics are: a set difference is the rows of the left set not in the
// right one; a mean is over every row or point it names, globally, never per tile or per
// half batch. Other constructs must be refused, at the line where they are written: a
// derivative of order 5 (directly or through lets), a power whose exponent is not a
// constant integer from -64 to 64, an output using a known value or a target, two loss
// terms of one name, a param nothing uses, a loss term of params alone, a periodic input
// that is not a scalar input declared before, a features statement with a periodic one,
// with a feature of something else than the inputs, or with a constant feature.
//
// Compiler bugs the tester found that are not fixed yet are listed in knownBugs
// (genlang.go): the generator avoids their constructs unless -difftest.knownbugs is given.
//
// The default run is a fixed-seed subset (three rounds of 20 models) that takes well
// under a minute:
//
//	go test ./tests/difftest
//
// A longer run keeps generating rounds until the duration is spent (or -difftest.rounds
// rounds are done), writes every failing model and its report to a directory it prints,
// and ends with the counts, the refusals by reason and a coverage table:
//
//	go test ./tests/difftest -run TestDifferential -timeout 0 -count=1 -v \
//	    -args -difftest.duration 10m -difftest.seed 7
//
// Other flags: -difftest.models (models per round, default 20), -difftest.outside
// (probability of a construct outside the language, default 0.15), -difftest.out (the
// directory for failing models), -difftest.reports (full reports printed per kind of
// failure, default 3), -difftest.dtype float32 (build every model in float32 and compare
// with tolerances of 2e-3 instead of 1e-9).
//
// Every generated package is built with the dtype forced to float64
// (codegen.Options{DType: "float64"}) whatever the source says, so comparisons can be
// tight; -difftest.dtype float32 forces float32 instead, with every input rounded to
// float32 so that the float64 judges see the same data.
package difftest
