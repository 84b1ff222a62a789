// Package kinesis reads rows from and writes rows to Amazon Kinesis Data
// Streams with the AWS SDK for Go v2.
//
// The package depends only on types, connectors/format and the AWS SDK:
// Source and Sink satisfy the connectors.Source and connectors.Sink
// contracts structurally, and package connectors adapts WITH options to the
// configs here.
package kinesis

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/novelty-db/novelty/types"
)

// SQLSTATEs of errors the package returns that types has no name for.
const (
	// codeConnectionFailure: the stream could not be reached or answered
	// with an error.
	codeConnectionFailure = "08006"
	// codeProgramLimitExceeded: a row is bigger than Kinesis accepts.
	codeProgramLimitExceeded = "54000"
)

// ClientConfig says how to reach Kinesis. Credentials left empty come from
// the standard AWS chain (environment, shared files, instance roles).
type ClientConfig struct {
	// Region is the AWS region; empty means the chain's region.
	Region string
	// Endpoint, when set, replaces the region's endpoint (a local Kinesis,
	// a VPC endpoint), e.g. "http://127.0.0.1:4567".
	Endpoint string
	// AccessKeyID, SecretAccessKey and SessionToken are static credentials;
	// all empty means the chain's.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// NewClient builds a Kinesis client. It does no I/O: credentials are
// resolved on the first request. It fails when no region is configured.
// Its errors never contain credentials.
func NewClient(ctx context.Context, cfg ClientConfig) (*kinesis.Client, error) {
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AccessKeyID != "" || cfg.SecretAccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "kinesis: loading the AWS configuration failed: %v", err)
	}
	if awsCfg.Region == "" {
		return nil, types.Errorf(types.CodeInvalidParameterValue,
			"kinesis: no AWS region: set option %q or AWS_REGION", "region")
	}
	return kinesis.NewFromConfig(awsCfg, func(o *kinesis.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	}), nil
}

// noSDKRetry makes one call a single attempt: the source and sink retry
// themselves, with their own (injectable) backoff, so that a throttled
// shard does not stall the others and tests need not sleep.
func noSDKRetry(o *kinesis.Options) { o.RetryMaxAttempts = 1 }

// errorCode returns the Kinesis error code of err ("" when err is not an
// API error, e.g. a network failure).
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// isFinal reports whether err will not go away by retrying: the stream or
// shard does not exist, the request is invalid, or access is denied.
// Throttling, service-side and network errors are transient.
func isFinal(err error) bool {
	code := errorCode(err)
	switch code {
	case "ResourceNotFoundException", "InvalidArgumentException", "ValidationException",
		"AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"IncompleteSignature", "MissingAuthenticationToken", "MissingAuthenticationTokenException":
		return true
	}
	return strings.HasPrefix(code, "KMS")
}

// apiError wraps a final Kinesis error as a user error: a missing stream is
// 42704, anything else a connection failure.
func apiError(stream, op string, err error) error {
	if errorCode(err) == "ResourceNotFoundException" {
		return types.Errorf(types.CodeUndefinedObject, "kinesis stream %q: %s: %v", stream, op, err).
			WithHint("Create the stream first; the connector does not create streams.")
	}
	return types.Errorf(codeConnectionFailure, "kinesis stream %s: %s: %v", stream, op, err)
}
