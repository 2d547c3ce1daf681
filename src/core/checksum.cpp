#include "core/checksum.hpp"

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <openssl/evp.h>
#include <unistd.h>

#include "core/regular_file.hpp"

namespace belay {
namespace {

constexpr std::size_t k_file_chunk_size = std::size_t{1} << 20;

// Throws: OpenSSL failing on SHA-256 means the process cannot work at all.
void require(int openssl_result, const char* what) {
    if (openssl_result != 1) {
        throw std::runtime_error(std::string("OpenSSL SHA-256 failed in ") + what);
    }
}

// SHA-256 fetched from OpenSSL's provider once per process: the implicit fetch EVP_sha256()
// leaves to every EVP_DigestInit_ex costs more than hashing a small migration file.
const EVP_MD* sha256_algorithm() {
    static const std::unique_ptr<EVP_MD, void (*)(EVP_MD*)> algorithm(
        EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_free);
    if (!algorithm) {
        throw std::runtime_error("OpenSSL has no SHA-256 implementation (EVP_MD_fetch failed)");
    }
    return algorithm.get();
}

std::string errno_text(int error_number) {
    return std::generic_category().message(error_number);
}

}  // namespace

Sha256::Sha256() : m_context(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!m_context) {
        throw std::runtime_error("OpenSSL could not allocate a digest context");
    }
    require(EVP_DigestInit_ex(m_context.get(), sha256_algorithm(), nullptr), "EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
    require(EVP_DigestUpdate(m_context.get(), bytes.data(), bytes.size()), "EVP_DigestUpdate");
}

std::string Sha256::finish_hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    require(EVP_DigestFinal_ex(m_context.get(), digest, &length), "EVP_DigestFinal_ex");
    return lowercase_hex(digest, length);
}

std::string lowercase_hex(const unsigned char* digest, std::size_t length) {
    static constexpr char k_hex_digits[] = "0123456789abcdef";
    // Written in place: a push_back per digit was a tenth of hashing a small migration file.
    std::string hex(length * 2, '0');
    for (std::size_t i = 0; i < length; ++i) {
        hex[2 * i] = k_hex_digits[digest[i] >> 4];
        hex[2 * i + 1] = k_hex_digits[digest[i] & 0x0f];
    }
    return hex;
}

std::string sha256_hex(std::string_view bytes) {
    Sha256 digest;
    digest.update(bytes);
    return digest.finish_hex();
}

std::string migration_checksum(std::string_view file_contents) {
    Sha256 digest;
    // Feed the text in runs that end just before each "\r\n"'s CR, so no normalized copy is made.
    std::size_t start = 0;
    for (auto crlf = file_contents.find("\r\n"); crlf != std::string_view::npos;
         crlf = file_contents.find("\r\n", start)) {
        digest.update(file_contents.substr(start, crlf - start));
        start = crlf + 1;  // continue at the LF
    }
    digest.update(file_contents.substr(start));
    return digest.finish_hex();
}

Result<std::string> sha256_file_hex(const std::filesystem::path& path) {
    auto file = RegularFile::open(path);
    BELAY_TRY(file);
    Sha256 digest;
    std::vector<char> buffer(k_file_chunk_size);
    for (;;) {
        const auto count = ::read(file->fd(), buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return fail(path, ErrorCode::invalid_input,
                        "cannot read {} to compute its checksum: {}", path.string(),
                        errno_text(errno));
        }
        if (count == 0) {
            return digest.finish_hex();
        }
        digest.update(std::string_view(buffer.data(), static_cast<std::size_t>(count)));
    }
}

}  // namespace belay
