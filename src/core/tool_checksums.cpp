#include "core/tool_checksums.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <zlib.h>

#include "core/ascii.hpp"
#include "core/byte_order_mark.hpp"
#include "core/checksum.hpp"

namespace belay {

namespace {

// Every "\n" written as "\r\n", as Prisma's check does (a CRLF becomes CR CR LF).
std::string with_crlf(std::string_view text) {
    std::string result;
    result.reserve(text.size() + text.size() / 16);
    for (const char c : text) {
        if (c == '\n') {
            result += '\r';
        }
        result += c;
    }
    return result;
}

// Prisma's old checksum text: each byte's hex digits without the leading zero.
std::string unpadded(const std::string& hex) {
    std::string result;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        if (hex[i] != '0') {
            result += hex[i];
        }
        result += hex[i + 1];
    }
    return result;
}

}  // namespace

std::int32_t flyway_checksum(std::string_view contents) {
    // Flyway feeds each line, without its line ending, to the CRC, and drops the byte-order mark
    // of the first: the same bytes in the same order as the file without BOM, CR and LF.
    contents = without_byte_order_mark(contents);
    uLong crc = crc32(0L, Z_NULL, 0);
    while (!contents.empty()) {
        const auto end = std::min(contents.find_first_of("\r\n"), contents.size());
        // A line longer than zlib's uInt takes several calls.
        for (std::size_t done = 0; done < end;) {
            const auto chunk = static_cast<uInt>(std::min<std::size_t>(end - done, 1U << 30));
            crc = crc32(crc, reinterpret_cast<const Bytef*>(contents.data() + done), chunk);
            done += chunk;
        }
        contents.remove_prefix(std::min(end + 1, contents.size()));
    }
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
}

std::string sha384_hex(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha384(), nullptr) !=
        1) {
        throw std::runtime_error("OpenSSL SHA-384 failed in EVP_Digest");
    }
    return lowercase_hex(digest.data(), length);
}

bool tool_checksum_matches(std::string_view tool, std::string_view contents,
                           std::string_view recorded) {
    const std::string wanted = to_lower_ascii(recorded);
    if (tool == "sqlx") {
        return sha384_hex(contents) == wanted;
    }
    if (tool == "Flyway") {
        return std::to_string(flyway_checksum(contents)) == recorded;
    }
    if (tool != "Prisma") {
        return false;
    }
    const bool old_format = !wanted.empty() && wanted.size() != 64;
    const auto matches = [&](const std::string& hex) {
        return (old_format ? unpadded(hex) : hex) == wanted;
    };
    return matches(sha256_hex(contents)) || matches(migration_checksum(contents)) ||
           matches(sha256_hex(with_crlf(contents)));
}

std::string tool_checksum(std::string_view tool, std::string_view contents) {
    if (tool == "Flyway") {
        return std::to_string(flyway_checksum(contents));
    }
    return tool == "sqlx" ? sha384_hex(contents) : sha256_hex(contents);
}

}  // namespace belay
