package dsl

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tNewline
	tIdent
	tNumber
	tOp     // one of + - * / ^ = , ; : ( ) [ ] { } ->
	tString // "a file name", without its quotes
	tBad
)

type token struct {
	kind tokKind
	text string
	pos  Pos
}

// describe is how an error message names a token: `found 'tanh'`, `found end of line`.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tNewline:
		return "end of line"
	case tBad:
		if t.text == "\"" {
			return "a string without its closing '\"'"
		}
		return fmt.Sprintf("illegal character %q", t.text)
	case tString:
		return strconv.Quote(Abbrev(t.text))
	}
	return "'" + Abbrev(t.text) + "'"
}

// Abbrev shortens a long piece of source for a message: its first 40 bytes and an ellipsis.
func Abbrev(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// lex splits src into tokens. Newlines inside ( ) and [ ] are dropped, so a call or a
// shape may span lines; illegal characters become tBad tokens for the parser to report.
func lex(file string, src []byte) []token {
	var toks []token
	line, col := 1, 1
	depth := 0
	i := 0
	for i < len(src) {
		c := src[i]
		start := Pos{file, line, col}
		switch {
		case c == '\n':
			if depth == 0 {
				toks = append(toks, token{tNewline, "\n", start})
			}
			i++
			line++
			col = 1
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			col++
			continue
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case isLetter(c):
			j := i
			for j < len(src) && (isLetter(src[j]) || isDigit(src[j])) {
				j++
			}
			toks = append(toks, token{tIdent, string(src[i:j]), start})
			col += j - i
			i = j
			continue
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j := scanNumber(src, i)
			toks = append(toks, token{tNumber, string(src[i:j]), start})
			col += j - i
			i = j
			continue
		case c == '"':
			// A string: a file name, on one line, with no escapes.
			j := i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				j++
			}
			if j == len(src) || src[j] != '"' {
				toks = append(toks, token{tBad, "\"", start})
				col += j - i
				i = j
				continue
			}
			toks = append(toks, token{tString, string(src[i+1 : j]), start})
			col += j + 1 - i
			i = j + 1
			continue
		case c == '-' && i+1 < len(src) && src[i+1] == '>':
			toks = append(toks, token{tOp, "->", start})
			i += 2
			col += 2
			continue
		}
		switch c {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		}
		switch c {
		case '+', '-', '*', '/', '^', '=', ',', ';', ':', '(', ')', '[', ']', '{', '}', '<', '>':
			toks = append(toks, token{tOp, string(c), start})
			i++
			col++
		default:
			r, size := utf8.DecodeRune(src[i:])
			if r != utf8.RuneError && unicode.IsLetter(r) {
				// Non-ASCII names are refused with a clear message rather than mangled.
				toks = append(toks, token{tBad, string(r), start})
			} else {
				toks = append(toks, token{tBad, string(src[i : i+size]), start})
			}
			i += size
			col += size
		}
	}
	// No newline token is made up at the end: the parser takes end of file as the end of a
	// statement, and an unclosed '(' at the end must say "found end of file".
	toks = append(toks, token{tEOF, "", Pos{file, line, col}})
	return toks
}

func isLetter(c byte) bool { return c == '_' || (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// scanNumber returns the end of the number starting at i: digits, a fraction, an exponent.
func scanNumber(src []byte, i int) int {
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if i < len(src) && src[i] == '.' {
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

func parseNumber(text string) (float64, error) { return strconv.ParseFloat(text, 64) }
