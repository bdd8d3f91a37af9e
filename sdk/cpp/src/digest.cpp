#include "aleatoric/digest.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/table.h>

#include "aleatoric/error.hpp"

namespace aleatoric {
namespace {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) throw Error("sha256: OpenSSL init failed");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, md.data(), &n);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(2 * n, '0');
    for (unsigned i = 0; i < n; ++i) {
      out[2 * i] = digits[md[i] >> 4];
      out[2 * i + 1] = digits[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes.data(), bytes.size());
  return h.hex();
}

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot read");
  Sha256 h;
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() > 0) h.update(block.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(path.string() + ": read error");
  return h.hex();
}

std::string content_sha256(const arrow::Table& table, const arrow::Table* following) {
  // As the engine: schema without metadata, columns combined into one batch, IPC stream
  // with the default write options.
  auto plain = table.ReplaceSchemaMetadata(nullptr);
  auto combined = plain->CombineChunks();
  if (!combined.ok()) throw Error("content digest: " + combined.status().ToString());
  if (following && following->num_rows() > 0) {
    // Hash this table as a slice of it and the rows that follow it, as the engine does.
    auto rest = following->ReplaceSchemaMetadata(nullptr);
    auto both = arrow::ConcatenateTables({*combined, rest});
    if (!both.ok()) throw Error("content digest: " + both.status().ToString());
    auto whole = (*both)->CombineChunks();
    if (!whole.ok()) throw Error("content digest: " + whole.status().ToString());
    combined = (*whole)->Slice(0, table.num_rows());
  }
  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  auto writer = arrow::ipc::MakeStreamWriter(sink, (*combined)->schema());
  if (!writer.ok()) throw Error("content digest: " + writer.status().ToString());
  auto st = (*writer)->WriteTable(**combined);
  if (st.ok()) st = (*writer)->Close();
  if (!st.ok()) throw Error("content digest: " + st.ToString());
  auto buffer = sink->Finish().ValueOrDie();
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(buffer->data()),
                                     static_cast<std::size_t>(buffer->size())));
}

}  // namespace aleatoric
