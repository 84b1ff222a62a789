package httpapi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The Prometheus text exposition format 0.0.4, parsed strictly enough to
// catch what a scraper would reject.

// family is one metric family of a scrape.
type family struct {
	typ, help string
	samples   []sample
}

// sample is one sample line; series is the name with its labels in
// written order, for identity.
type sample struct {
	name   string
	labels map[string]string
	series string
	value  float64
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseExposition parses a scrape into families by name. It rejects
// samples without a TYPE line before them, a family split in two groups,
// a series twice, bad names, bad escapes and bad values.
func parseExposition(text string) (map[string]*family, error) {
	families := map[string]*family{}
	seen := map[string]bool{}
	var current string
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("scrape does not end with a newline")
	}
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", n+1, line, fmt.Sprintf(format, args...))
		}
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "# HELP "), strings.HasPrefix(line, "# TYPE "):
			name, rest, _ := strings.Cut(line[len("# HELP "):], " ")
			if !metricName.MatchString(name) {
				return nil, fail("bad metric name")
			}
			f := families[name]
			if f == nil {
				f = &family{}
				families[name] = f
			} else if current != name {
				return nil, fail("family %s appears in two groups", name)
			}
			current = name
			if line[2] == 'H' {
				help, err := unescape(rest, false)
				if err != nil {
					return nil, fail("%v", err)
				}
				f.help = help
				continue
			}
			switch rest {
			case "counter", "gauge", "histogram", "summary", "untyped":
			default:
				return nil, fail("bad type %q", rest)
			}
			if f.typ != "" || len(f.samples) > 0 {
				return nil, fail("TYPE after the family's first TYPE or sample")
			}
			f.typ = rest
		case strings.HasPrefix(line, "#"):
			continue
		default:
			s, err := parseSample(line)
			if err != nil {
				return nil, fail("%v", err)
			}
			base := s.name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if f := families[strings.TrimSuffix(s.name, suffix)]; f != nil && f.typ == "histogram" {
					base = strings.TrimSuffix(s.name, suffix)
				}
			}
			if base != current || families[base].typ == "" {
				return nil, fail("sample outside its family's group, or before its TYPE line")
			}
			if seen[s.series] {
				return nil, fail("series written twice")
			}
			seen[s.series] = true
			families[base].samples = append(families[base].samples, s)
		}
	}
	return families, nil
}

// parseSample parses `name{label="value",...} value`.
func parseSample(line string) (sample, error) {
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, fmt.Errorf("no value")
	}
	s.name = line[:i]
	if !metricName.MatchString(s.name) {
		return s, fmt.Errorf("bad metric name %q", s.name)
	}
	rest := line[i:]
	var series strings.Builder
	series.WriteString(s.name)
	if rest[0] == '{' {
		rest = rest[1:]
		for rest != "" && rest[0] != '}' {
			eq := strings.Index(rest, `="`)
			if eq < 0 {
				return s, fmt.Errorf("label without =\"")
			}
			name := rest[:eq]
			if !labelName.MatchString(name) {
				return s, fmt.Errorf("bad label name %q", name)
			}
			rest = rest[eq+2:]
			end := closingQuote(rest)
			if end < 0 {
				return s, fmt.Errorf("unterminated label value")
			}
			value, err := unescape(rest[:end], true)
			if err != nil {
				return s, err
			}
			if _, dup := s.labels[name]; dup {
				return s, fmt.Errorf("label %s twice", name)
			}
			s.labels[name] = value
			fmt.Fprintf(&series, "|%s=%q", name, value)
			rest = rest[end+1:]
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			}
		}
		if rest == "" {
			return s, fmt.Errorf("unterminated labels")
		}
		rest = rest[1:]
	}
	s.series = series.String()
	if !strings.HasPrefix(rest, " ") {
		return s, fmt.Errorf("no space before the value")
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 {
		return s, fmt.Errorf("want a value and an optional timestamp")
	}
	v, err := parseValue(fields[0])
	if err != nil {
		return s, err
	}
	s.value = v
	return s, nil
}

// closingQuote finds the unescaped '"' ending a label value.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unescape undoes the format's escapes: \\ and \n, and \" in label values.
func unescape(s string, label bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if label && (c == '"' || c == '\n') {
			return "", fmt.Errorf("unescaped %q in label value", c)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf("trailing backslash")
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case '"':
			if !label {
				return "", fmt.Errorf(`\" outside a label value`)
			}
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("bad escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

func parseValue(s string) (float64, error) {
	switch s {
	case "+Inf", "-Inf", "NaN":
	default:
		if strings.ContainsAny(s, "IiNn") {
			return 0, fmt.Errorf("bad value %q", s)
		}
	}
	return strconv.ParseFloat(s, 64)
}
