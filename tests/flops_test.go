package tests

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBurgersFLOPs recounts BurgersPoint from the generated code: the multiply-adds a point
// of the kernel calls in lossGradTile (M·K each, the batch n being the tile's points).
func TestBurgersFLOPs(t *testing.T) {
	src, err := os.ReadFile("../generated/burgers/burgers.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start := strings.Index(s, "func (m *Model) lossGradTile(")
	if start < 0 {
		t.Fatal("no lossGradTile in generated/burgers/burgers.go")
	}
	end := start + strings.Index(s[start:], "\n}\n")
	call := regexp.MustCompile(`kernels\.Gemm(NN|TN|NT)64\((\d+), (\d+), n,`)
	macs, calls := 0, 0
	for _, m := range call.FindAllStringSubmatch(s[start:end], -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		macs += a * b
		calls++
	}
	if 2*macs != BurgersPoint {
		t.Errorf("lossGradTile: %d kernel calls, %d multiply-adds a point; flops.go says %d", calls, macs, BurgersPoint/2)
	}
}
