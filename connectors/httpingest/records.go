package httpingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// errUnsupportedMediaType marks a Content-Type the hub does not read.
var errUnsupportedMediaType = errors.New("unsupported content type")

// bodyLayout is how a request body holds its records.
type bodyLayout uint8

const (
	// layoutJSON is one JSON object, or an array of them.
	layoutJSON bodyLayout = iota
	// layoutLines is one JSON object per line (blank lines skipped).
	layoutLines
)

// jsonSpace is JSON's whitespace.
const jsonSpace = " \t\r\n"

// splitRecords cuts a request body into its records, slices of body. The
// Content-Type chooses the layout:
//
//   - application/json and */*+json: one JSON value, or an array whose
//     elements are the records;
//   - application/x-ndjson, application/ndjson, application/jsonl,
//     application/x-jsonlines and text/*: one record per line;
//   - none, or application/x-www-form-urlencoded (curl -d's default): an
//     array when the body starts with '[', else lines.
//
// A record that is not a valid JSON object is left for the decoder to
// reject on its own; only an array that does not parse fails the whole
// body, since its records cannot be told apart.
func splitRecords(contentType string, body []byte) ([][]byte, error) {
	layout, err := layoutOf(contentType, body)
	if err != nil {
		return nil, err
	}
	if layout == layoutLines {
		return splitLines(body), nil
	}
	return splitJSON(body)
}

func layoutOf(contentType string, body []byte) (bodyLayout, error) {
	if strings.TrimSpace(contentType) == "" {
		return sniff(body), nil
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, fmt.Errorf("%w %q: send application/json or application/x-ndjson", errUnsupportedMediaType, contentType)
	}
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return layoutJSON, nil
	case mediaType == "application/x-ndjson" || mediaType == "application/ndjson" ||
		mediaType == "application/jsonl" || mediaType == "application/x-jsonlines" ||
		strings.HasPrefix(mediaType, "text/"):
		return layoutLines, nil
	case mediaType == "application/x-www-form-urlencoded":
		return sniff(body), nil
	}
	return 0, fmt.Errorf("%w %q: send application/json or application/x-ndjson", errUnsupportedMediaType, mediaType)
}

func sniff(body []byte) bodyLayout {
	if trimmed := bytes.TrimLeft(body, jsonSpace); len(trimmed) > 0 && trimmed[0] == '[' {
		return layoutJSON
	}
	return layoutLines
}

// splitLines returns the non-blank lines of body, without surrounding
// whitespace.
func splitLines(body []byte) [][]byte {
	var records [][]byte
	for line := range bytes.SplitSeq(body, []byte{'\n'}) {
		if line = bytes.Trim(line, jsonSpace); len(line) > 0 {
			records = append(records, line)
		}
	}
	return records
}

// splitJSON returns the elements of a JSON array, or the whole body when
// it is not an array.
func splitJSON(body []byte) ([][]byte, error) {
	body = bytes.Trim(body, jsonSpace)
	if len(body) == 0 {
		return nil, errors.New("empty body: send a JSON object or an array of them")
	}
	if body[0] != '[' {
		return [][]byte{body}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON array: %v", describeJSONError(err))
	}
	var records [][]byte
	var scratch json.RawMessage // reused: records are slices of body
	for dec.More() {
		start := dec.InputOffset()
		if err := dec.Decode(&scratch); err != nil {
			return nil, fmt.Errorf("invalid JSON array: element %d: %v", len(records), describeJSONError(err))
		}
		records = append(records, bytes.TrimLeft(body[start:dec.InputOffset()], jsonSpace+","))
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON array: %v", describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON array: unexpected data after the array")
	}
	return records, nil
}

// describeJSONError words the end of the input as what it means here.
func describeJSONError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the body ends inside the array")
	}
	return err
}
