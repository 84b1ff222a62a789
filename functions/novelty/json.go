package novelty

import (
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends r as the JSON object thatDot Novelty returns:
//
//	{"observation":["a","b"],"score":0.5,"totalObsScore":0.5,"sequence":2,
//	 "probability":0.5,"uniqueness":1,"infoContent":1,
//	 "mostNovelComponent":{"index":1,"value":"b","novelty":1}}
//
// followed by "warm":false only when r is not warm. NULL components print
// as null. Numbers print as strconv's shortest round-tripping 'g' form
// (0.999, 1e-05, 0), so equal results give equal bytes.
func (r *Result) AppendJSON(buf []byte) []byte {
	buf = append(buf, `{"observation":[`...)
	for i, s := range r.Observation {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = r.appendComponent(buf, i, s)
	}
	buf = append(buf, `],"score":`...)
	buf = appendNumber(buf, r.Score)
	buf = append(buf, `,"totalObsScore":`...)
	buf = appendNumber(buf, r.TotalObsScore)
	buf = append(buf, `,"sequence":`...)
	buf = strconv.AppendInt(buf, r.Sequence, 10)
	buf = append(buf, `,"probability":`...)
	buf = appendNumber(buf, r.Probability)
	buf = append(buf, `,"uniqueness":`...)
	buf = appendNumber(buf, r.Uniqueness)
	buf = append(buf, `,"infoContent":`...)
	buf = appendNumber(buf, r.InfoContent)
	buf = append(buf, `,"mostNovelComponent":{"index":`...)
	buf = strconv.AppendInt(buf, int64(r.MostNovel.Index), 10)
	buf = append(buf, `,"value":`...)
	buf = r.appendComponent(buf, r.MostNovel.Index, r.MostNovel.Value)
	buf = append(buf, `,"novelty":`...)
	buf = appendNumber(buf, r.MostNovel.Novelty)
	buf = append(buf, '}')
	if !r.Warm {
		buf = append(buf, `,"warm":false`...)
	}
	return append(buf, '}')
}

func (r *Result) appendComponent(buf []byte, i int, s string) []byte {
	if i < len(r.Nulls) && r.Nulls[i] {
		return append(buf, "null"...)
	}
	return appendJSONString(buf, s)
}

func appendNumber(buf []byte, f float64) []byte {
	return strconv.AppendFloat(buf, f, 'g', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string: the quote, the backslash and
// control characters are escaped, and invalid UTF-8 becomes U+FFFD so the
// output is always valid JSON.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, `\ufffd`...)
			} else {
				buf = append(buf, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"':
			buf = append(buf, '\\', '"')
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			if c < 0x20 {
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				buf = append(buf, c)
			}
		}
		i++
	}
	return append(buf, '"')
}
