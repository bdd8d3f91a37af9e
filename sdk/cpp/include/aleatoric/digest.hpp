// SHA-256 helpers (OpenSSL).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace arrow {
class Table;
}

namespace aleatoric {

/// Hex SHA-256 of a byte string.
std::string sha256_hex(std::string_view bytes);
/// Hex SHA-256 of a file's bytes, read in 1 MiB blocks; throws Error if unreadable.
std::string sha256_file(const std::filesystem::path& path);
/// The engine's content digest of a table: the hex SHA-256 of the Arrow IPC stream of its
/// columns without schema metadata, as one record batch (manifest `content_sha256`).
///
/// `following` reproduces a detail of how the engine hashes: it hashes each date part of a
/// segment as a slice of the segment's table, and Arrow's IPC writer pads a sliced column's
/// buffers with the bytes that follow the slice. Pass the later date parts of the same
/// segment (if any), concatenated, to get the engine's digest of such a file.
std::string content_sha256(const arrow::Table& table, const arrow::Table* following = nullptr);

}  // namespace aleatoric
