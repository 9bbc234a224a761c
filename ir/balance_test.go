package ir

import (
	"testing"

	"github.com/mlc-go/mlc/dsl"
)

// TestBalanceWeighsTermsWithMeans: only the terms that average over points get a weight;
// a constant term keeps weight 1, and the model is accepted
// (found by the differential tester: a weighted constant was a term of params alone).
func TestBalanceWeighsTermsWithMeans(t *testing.T) {
	src := `model M
input x, t
dense 4, tanh
dense 1 -> u
param k = 0.5
points bd(x, t; g)
points interior(x, t)
residual r = d(u, t) - k * d(u, x, x)
loss mean(interior, r^2) + 2 * mean(bd, (u - g)^2) + 1
train batch = 8, balance = grad_norm
`
	f, err := dsl.Parse("m.ml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Lower(f)
	if err != nil {
		t.Fatal(err)
	}
	var weights []string
	for _, c := range m.Coefficients {
		if c.Term > 0 {
			weights = append(weights, c.Name)
		}
	}
	if len(weights) != 2 || weights[0] != "weight_r" || weights[1] != "weight_bd" {
		t.Errorf("weights %v, want [weight_r weight_bd]", weights)
	}
}
