package aleatoric

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
)

// PublicKey is a verification key: ECDSA P-256 (SHA-256, DER signatures) or Ed25519.
type PublicKey struct {
	key crypto.PublicKey
	der []byte
}

// LoadPublicKey reads a SubjectPublicKeyInfo PEM file ("BEGIN PUBLIC KEY"), as written by
// `aleatoric keygen` next to the private key (PATH.pub).
func LoadPublicKey(path string) (*PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the public key (%w)", path, err)
	}
	key, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// ParsePublicKey parses PEM bytes holding an ECDSA P-256 or Ed25519 public key.
func ParsePublicKey(data []byte) (*PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("not a PEM public key")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("a PEM %q block where a public key is expected, was %q", "PUBLIC KEY", block.Type)
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a usable public key (%w)", err)
	}
	switch k := parsed.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key on curve %s; only P-256 is supported", k.Curve.Params().Name)
		}
	default:
		return nil, fmt.Errorf("key type %T; allowed: ECDSA P-256, Ed25519", parsed)
	}
	der, err := x509.MarshalPKIXPublicKey(parsed)
	if err != nil {
		return nil, err
	}
	return &PublicKey{key: parsed, der: der}, nil
}

// ID returns the key id: the hex SHA-256 of the DER SubjectPublicKeyInfo.
func (k *PublicKey) ID() string {
	sum := sha256.Sum256(k.der)
	return hex.EncodeToString(sum[:])
}

// Algorithm returns "ecdsa-p256" or "ed25519".
func (k *PublicKey) Algorithm() string {
	if _, ok := k.key.(ed25519.PublicKey); ok {
		return "ed25519"
	}
	return "ecdsa-p256"
}

// verifies reports whether sig is a valid signature of message by this key.
func (k *PublicKey) verifies(sig, message []byte) bool {
	switch key := k.key.(type) {
	case ed25519.PublicKey:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(key, message, sig)
	case *ecdsa.PublicKey:
		digest := sha256.Sum256(message)
		return ecdsa.VerifyASN1(key, digest[:], sig)
	}
	return false
}
