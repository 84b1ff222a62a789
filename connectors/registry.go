package connectors

import (
	"sort"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// Registry maps connector names to their factories. The engine owns one
// value; nothing here is global.
type Registry struct {
	sources map[string]SourceFactory
	sinks   map[string]SinkFactory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{sources: map[string]SourceFactory{}, sinks: map[string]SinkFactory{}}
}

// Default returns a new registry holding every built-in connector.
func Default() *Registry {
	r := NewRegistry()
	r.RegisterSource(FileSource())
	r.RegisterSource(NexmarkSource())
	r.RegisterSource(DatagenSource())
	r.RegisterSource(KafkaSource())
	r.RegisterSource(KinesisSource())
	r.RegisterSink(FileSink())
	r.RegisterSink(KafkaSink())
	r.RegisterSink(KinesisSink())
	r.RegisterSink(WebhookSink())
	return r
}

// RegisterSource adds f; it replaces an earlier factory of the same name.
func (r *Registry) RegisterSource(f SourceFactory) { r.sources[f.Name] = f }

// RegisterSink adds f; it replaces an earlier factory of the same name.
func (r *Registry) RegisterSink(f SinkFactory) { r.sinks[f.Name] = f }

// Source looks up a source connector by name (case-insensitive).
func (r *Registry) Source(name string) (SourceFactory, error) {
	if f, ok := r.sources[strings.ToLower(name)]; ok {
		return f, nil
	}
	return SourceFactory{}, unknownConnectorError("source", name, r.SourceNames())
}

// Sink looks up a sink connector by name (case-insensitive).
func (r *Registry) Sink(name string) (SinkFactory, error) {
	if f, ok := r.sinks[strings.ToLower(name)]; ok {
		return f, nil
	}
	return SinkFactory{}, unknownConnectorError("sink", name, r.SinkNames())
}

// SourceNames returns the registered source connectors, sorted.
func (r *Registry) SourceNames() []string { return sortedKeys(r.sources) }

// SinkNames returns the registered sink connectors, sorted.
func (r *Registry) SinkNames() []string { return sortedKeys(r.sinks) }

func sortedKeys[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func unknownConnectorError(role, name string, known []string) error {
	hint := "Known " + role + " connectors: " + strings.Join(known, ", ") + "."
	if guess, ok := closest(strings.ToLower(name), known); ok {
		hint = "Did you mean " + guess + "? " + hint
	}
	return types.Errorf(types.CodeInvalidParameterValue, "unknown %s connector %q", role, name).WithHint("%s", hint)
}
