package difftest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Stats accumulates the outcome of many rounds.
type Stats struct {
	Generated, Checked, Disagreeing int
	// ByCheck counts the models failing each check (its label removed).
	ByCheck map[string]int
	// Refusals counts refusals of models with constructs outside the language, by reason.
	Refusals map[string]int
	// Outside counts, per construct outside the language, how mlc answered.
	Outside  map[string]map[string]int
	Coverage map[string]int
	// Compiler counts Check's panics and its refusals of valid models by message
	// (positions and numbers masked).
	Compiler map[string]int
}

// NewStats returns empty Stats.
func NewStats() *Stats {
	return &Stats{ByCheck: map[string]int{}, Refusals: map[string]int{}, Outside: map[string]map[string]int{}, Coverage: map[string]int{}, Compiler: map[string]int{}}
}

var label = regexp.MustCompile(` \(.*\)$`)

// CheckKind is a check's name without the label of the evaluation it ran on.
func CheckKind(check string) string { return label.ReplaceAllString(check, "") }

// Add counts one round's cases.
func (s *Stats) Add(cases []*Case) {
	for _, c := range cases {
		s.Generated++
		for _, f := range c.M.FeatureList() {
			s.Coverage[f]++
		}
		if c.Res != nil {
			s.Checked++
		}
		kinds := map[string]bool{}
		for _, f := range c.Findings {
			kinds[CheckKind(f.Check)] = true
			if f.Check == "Check panicked" || f.Check == "refused a valid model" {
				s.Compiler[f.Check+": "+reason(errPos.ReplaceAllString(f.Detail, ""))]++
			}
		}
		for k := range kinds {
			s.ByCheck[k]++
		}
		if len(c.Findings) > 0 {
			s.Disagreeing++
		}
		if c.Refusal != "" {
			s.Refusals[c.M.Outside+": "+c.Refusal]++
		}
		if c.M.Outside != "" {
			outcome := "refused"
			switch {
			case c.Refusal != "":
			case len(c.Findings) > 0 && c.Findings[0].Check == "Check panicked":
				outcome = "crashed mlc"
			case c.IR == nil && len(c.Findings) > 0:
				outcome = "refused wrongly"
			case c.M.MustRefuse:
				outcome = "compiled, must be refused"
			case len(c.Findings) > 0:
				outcome = "compiled, disagrees"
			default:
				outcome = "compiled, agrees"
			}
			if s.Outside[c.M.Outside] == nil {
				s.Outside[c.M.Outside] = map[string]int{}
			}
			s.Outside[c.M.Outside][outcome]++
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func (s *Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "models generated %d, checked (built and run) %d, with disagreements %d\n", s.Generated, s.Checked, s.Disagreeing)
	if len(s.ByCheck) > 0 {
		b.WriteString("\nfailing checks (models):\n")
		for _, k := range sortedKeys(s.ByCheck) {
			fmt.Fprintf(&b, "  %5d  %s\n", s.ByCheck[k], k)
		}
	}
	if len(s.Compiler) > 0 {
		b.WriteString("\nCheck's panics and refusals of valid models, by message (models):\n")
		for _, k := range sortedKeys(s.Compiler) {
			fmt.Fprintf(&b, "  %5d  %s\n", s.Compiler[k], k)
		}
	}
	if len(s.Outside) > 0 {
		b.WriteString("\nconstructs outside the language (models):\n")
		for _, k := range sortedKeys(s.Outside) {
			var parts []string
			for _, o := range sortedKeys(s.Outside[k]) {
				parts = append(parts, fmt.Sprintf("%s %d", o, s.Outside[k][o]))
			}
			fmt.Fprintf(&b, "  %-28s %s\n", k, strings.Join(parts, ", "))
		}
	}
	if len(s.Refusals) > 0 {
		b.WriteString("\nrefusals by reason (models):\n")
		for _, k := range sortedKeys(s.Refusals) {
			fmt.Fprintf(&b, "  %5d  %s\n", s.Refusals[k], k)
		}
	}
	b.WriteString("\ncoverage (feature: models using it):\n")
	for _, k := range sortedKeys(s.Coverage) {
		fmt.Fprintf(&b, "  %5d  %s\n", s.Coverage[k], k)
	}
	return b.String()
}

// Numbered is src with line numbers, as a failure report shows a model.
func Numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimRight(src, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, l)
	}
	return b.String()
}

// Report describes a failing case: its source with line numbers, then each failed check
// with what was expected and what came.
func Report(c *Case, origin string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s (%s)", c.M.Name, origin)
	if c.M.Outside != "" {
		fmt.Fprintf(&b, ", outside the language: %s", c.M.Outside)
	}
	b.WriteString("\n" + Numbered(c.M.Source))
	for _, f := range c.Findings {
		fmt.Fprintf(&b, "  FAIL %s: %s\n", f.Check, strings.ReplaceAll(f.Detail, "\n", "\n       "))
	}
	return b.String()
}
