package tests

import "testing"

func TestLineDiff(t *testing.T) {
	tests := []struct{ want, got, diff string }{
		{"a\nb\n", "a\nb\n", "(no line differences)"},
		{"a\nb\nc\n", "a\nx\nc\n", "@@ want line 1, got line 1 @@\n  a\n- b\n+ x\n  c\n"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
			"@@ want line 8, got line 8 @@\n  8\n  9\n+ 10\n"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n", "0\n1\n2\n3\n4\n5\n6\n7\n8\n",
			"@@ want line 1, got line 1 @@\n+ 0\n  1\n  2\n@@ want line 7, got line 8 @@\n  7\n  8\n- 9\n"},
		{"a\nb", "a\nb\n", "@@ want line 1, got line 1 @@\n  a\n- b (no final newline)\n+ b\n"},
		{"", "x\n", "@@ want line 1, got line 1 @@\n+ x\n"},
	}
	for _, tt := range tests {
		if got := lineDiff(tt.want, tt.got); got != tt.diff {
			t.Errorf("lineDiff(%q, %q):\n%s\nwant:\n%s", tt.want, tt.got, got, tt.diff)
		}
	}
}
