#include "core/backup_metadata.hpp"

#include <time.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include "support/temp_dir.hpp"

#include "support/expect.hpp"

namespace belay {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr std::string_view k_where = "/srv/backups/registry-20261123-101500.bak.json";

// 2026-11-23 10:15:00 UTC.
system_clock::time_point example_time() {
    return sys_days{year{2026} / November / 23} + 10h + 15min;
}

BackupMetadata example() {
    BackupMetadata m;
    m.source = "/srv/data/régistry \"main\".db";
    m.created_at = "2026-11-23T10:15:00Z";
    m.reason = std::string(k_reason_before_migrate);
    m.schema_version = "20150100000001000000";
    m.sha256 = std::string(64, 'c');
    m.size_bytes = 5'000'000'000ULL;
    m.page_count = 1'220'703;
    m.page_size = 4096;
    m.schema_fingerprint = std::string(64, 'f');
    m.verified = true;
    m.belay_version = "0.3.0";
    m.sequence = 42;
    return m;
}

void expect_equal(const BackupMetadata& a, const BackupMetadata& b) {
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.schema_version, b.schema_version);
    EXPECT_EQ(a.sha256, b.sha256);
    EXPECT_EQ(a.size_bytes, b.size_bytes);
    EXPECT_EQ(a.page_count, b.page_count);
    EXPECT_EQ(a.page_size, b.page_size);
    EXPECT_EQ(a.schema_fingerprint, b.schema_fingerprint);
    EXPECT_EQ(a.verified, b.verified);
    EXPECT_EQ(a.belay_version, b.belay_version);
    EXPECT_EQ(a.sequence, b.sequence);
    EXPECT_EQ(a.format, b.format);
    EXPECT_EQ(a.missing_fields, b.missing_fields);
}

// The sidecar text of `example()` with the line holding `"key":` removed.
std::string without_field(std::string_view key) {
    auto text = to_json_text(example());
    const auto at = text.find("\"" + std::string(key) + "\":");
    EXPECT_NE(at, std::string::npos) << key;
    const auto end = text.find('\n', at);
    text.erase(at, end - at + 1);
    // The removed line may have been the last: drop a now trailing comma.
    const auto close = text.rfind('}');
    const auto comma = text.find_last_not_of(" \n", close - 1);
    if (text[comma] == ',') {
        text.erase(comma, 1);
    }
    return text;
}

TEST(BackupMetadataJson, RoundTripsEveryField) {
    const auto text = to_json_text(example());
    auto parsed = parse_backup_metadata(text, k_where);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    expect_equal(*parsed, example());
}

TEST(BackupMetadataJson, RoundTripsAnUnverifiedEmptyDescription) {
    BackupMetadata empty;
    auto parsed = parse_backup_metadata(to_json_text(empty), k_where);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    expect_equal(*parsed, empty);
}

TEST(BackupMetadataJson, IsPrettyPrintedInAStableKeyOrder) {
    const auto text = to_json_text(example());
    EXPECT_EQ(text, to_json_text(example()));
    EXPECT_EQ(text.back(), '\n');
    const char* keys[] = {"format",
                          "source",
                          "created_at",
                          "sequence",
                          "reason",
                          "schema_version",
                          "sha256",
                          "size_bytes",
                          "page_count",
                          "page_size",
                          "schema_fingerprint",
                          "verified",
                          "belay_version"};
    std::size_t previous = 0;
    for (const char* key : keys) {
        const auto at = text.find("\n  \"" + std::string(key) + "\": ");
        ASSERT_NE(at, std::string::npos) << key << " in\n" << text;
        EXPECT_GT(at, previous) << key;
        previous = at;
    }
}

// Every sidecar belay ever wrote has these fields (format 1 had all but "format" and
// "sequence"): one without them was damaged or edited, and its backup cannot be verified.
TEST(BackupMetadataJson, FieldsVerificationNeedsAreNamedWhenMissing) {
    const std::string text = R"({"source": "/srv/app.db", "created_at": "2026-11-23T10:15:00Z",
        "reason": "manual", "schema_version": "0", "sha256": "ab", "size_bytes": 8192})";
    auto parsed = parse_backup_metadata(text, k_where);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(parsed->source, "/srv/app.db");
    EXPECT_EQ(parsed->size_bytes, 8192U);
    EXPECT_EQ(parsed->format, 1);
    EXPECT_EQ(parsed->missing_fields,
              (std::vector<std::string>{"page_count", "page_size", "schema_fingerprint"}));
    for (const char* key :
         {"sha256", "size_bytes", "page_count", "page_size", "schema_fingerprint", "sequence"}) {
        auto one = parse_backup_metadata(without_field(key), k_where);
        ASSERT_TRUE(one.has_value()) << key << ": " << one.error().message;
        EXPECT_EQ(one->missing_fields, std::vector<std::string>{key}) << key;
    }
}

// A sequence is a whole number from 0 to 2^53 - 1 (breakit13b section 5): INT64_MAX made the
// next backup's sequence wrap to INT64_MIN, and 1.5 or 1e308 were truncated into an integer.
TEST(BackupMetadataJson, SequenceOutsideZeroToTwoPowFiftyThreeIsInvalidNamingTheFile) {
    for (const char* bad : {"9223372036854775807", "18446744073709551615", "9007199254740992", "-1",
                            "1.5", "1e308", "2.0"}) {
        auto json = nlohmann::json::parse(to_json_text(example()));
        json["sequence"] = nlohmann::json::parse(bad);
        auto parsed = parse_backup_metadata(json.dump(2), k_where);
        ASSERT_FALSE(parsed.has_value()) << bad;
        EXPECT_EQ(parsed.error().code, ErrorCode::invalid_input) << bad;
        EXPECT_EQ(parsed.error().message,
                  std::string(k_where) + ": not a valid backup sidecar: sequence " +
                      json["sequence"].dump() + " is not a whole number from 0 to " +
                      "9007199254740991")
            << bad;
    }
    for (const std::int64_t good : {std::int64_t{0}, std::int64_t{1}, k_max_sequence}) {
        auto json = nlohmann::json::parse(to_json_text(example()));
        json["sequence"] = good;
        auto parsed = parse_backup_metadata(json.dump(2), k_where);
        ASSERT_TRUE(parsed.has_value()) << good << ": " << parsed.error().message;
        EXPECT_EQ(parsed->sequence, good);
    }
}

// breakit: `"sha256": 5` or `"page_count": "x"` gave "type must be string, but is number",
// naming neither the field nor what belongs there.
TEST(BackupMetadataJson, AFieldOfTheWrongTypeIsNamedWithTheTypeItMustHave) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"sha256", "5"},
        {"page_count", "\"x\""},
        {"page_size", "1.5"},
        {"size_bytes", "-1"},
        {"schema_fingerprint", "null"},
        {"source", "[\"a\", \"b\"]"},
        {"verified", "\"yes\""},
        {"belay_version", "{\"major\": 1}"},
        {"format", "\"2\""},
        {"sequence", "\"7\""},
    };
    const std::map<std::string, std::string> expected = {
        {"sha256", "5 but must be a string"},
        {"page_count", "\"x\" but must be a whole number"},
        {"page_size", "1.5 but must be a whole number"},
        {"size_bytes", "-1 but must be a whole number from 0"},
        {"schema_fingerprint", "null but must be a string"},
        {"source", "[\"a\",\"b\"] but must be a string"},
        {"verified", "\"yes\" but must be true or false"},
        {"belay_version", "{\"major\":1} but must be a string"},
        {"format", "\"2\" but must be a whole number"},
        {"sequence", "\"7\" but must be a whole number"},
    };
    for (const auto& [key, value] : cases) {
        auto json = nlohmann::json::parse(to_json_text(example()));
        json[key] = nlohmann::json::parse(value);
        auto parsed = parse_backup_metadata(json.dump(2), k_where);
        ASSERT_FALSE(parsed.has_value()) << key;
        EXPECT_EQ(parsed.error().code, ErrorCode::invalid_input) << key;
        EXPECT_EQ(parsed.error().message, std::string(k_where) + ": not a valid backup sidecar: " +
                                              key + " is " + expected.at(key))
            << key;
    }
    auto not_object = parse_backup_metadata("[1, 2]", k_where);
    ASSERT_FALSE(not_object.has_value());
    EXPECT_EQ(not_object.error().message,
              std::string(k_where) +
                  ": not a valid backup sidecar: it holds [1,2] where a JSON object belongs");
}

// A sidecar of a format newer than this belay's may give its fields other meanings: it is
// refused (not read as far as it goes), naming the belay that wrote it.
TEST(BackupMetadataJson, ANewerFormatIsRefusedNamingTheBelayThatWroteIt) {
    auto json = nlohmann::json::parse(to_json_text(example()));
    json["format"] = 99;
    json["sha256"] = nlohmann::json::object();  // what a newer format may have made of it
    auto parsed = parse_backup_metadata(json.dump(2), k_where);
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, ErrorCode::refused);
    EXPECT_TRUE(parsed.error().message.starts_with(
        std::string(k_where) +
        ": this sidecar was written by belay 0.3.0 in sidecar format 99, newer than the formats "
        "this belay ("))
        << parsed.error().message;
    EXPECT_TRUE(parsed.error().message.ends_with(
        ") reads (1 to 2); use that belay version, or a later one, for this backup"))
        << parsed.error().message;
    json.erase("belay_version");
    auto anonymous = parse_backup_metadata(json.dump(2), k_where);
    ASSERT_FALSE(anonymous.has_value());
    EXPECT_CONTAINS(anonymous.error().message, "written by a newer belay in sidecar format 99");
    json["format"] = k_sidecar_format;
    json["sha256"] = std::string(64, 'c');
    EXPECT_TRUE(parse_backup_metadata(json.dump(2), k_where).has_value());
}

TEST(BackupMetadataJson, SequenceAfterTheLargestStaysTheLargest) {
    EXPECT_EQ(sequence_after(0), 1);
    EXPECT_EQ(sequence_after(41), 42);
    EXPECT_EQ(sequence_after(k_max_sequence - 1), k_max_sequence);
    EXPECT_EQ(sequence_after(k_max_sequence), k_max_sequence);
}

// A sidecar written before "format" and "sequence" existed (format 1) lacks nothing.
TEST(BackupMetadataJson, FormatOneSidecarWithoutSequenceIsComplete) {
    auto text = without_field("format");
    auto json = nlohmann::json::parse(text);
    json.erase("sequence");
    auto parsed = parse_backup_metadata(json.dump(2), k_where);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(parsed->format, 1);
    EXPECT_EQ(parsed->sequence, 0);
    EXPECT_TRUE(parsed->missing_fields.empty());
    EXPECT_EQ(parsed->schema_fingerprint, example().schema_fingerprint);
}

TEST(BackupMetadataJson, MissingRequiredFieldIsInvalidInputNamingTheFile) {
    for (const char* key : {"source", "created_at", "reason", "schema_version"}) {
        const auto text = without_field(key);
        ASSERT_NOT_CONTAINS(text, std::string("\"") + key + "\"") << text;
        auto parsed = parse_backup_metadata(text, k_where);
        ASSERT_FALSE(parsed.has_value()) << key;
        EXPECT_EQ(parsed.error().code, ErrorCode::invalid_input) << key;
        EXPECT_CONTAINS(parsed.error().message, k_where);
        EXPECT_CONTAINS(parsed.error().message, key);
    }
}

TEST(BackupMetadataJson, MalformedTextIsInvalidInputNamingTheFile) {
    for (const std::string text :
         {"", "{", "not json", "[]", "null", "42", R"({"source": 1})",
          R"({"source": "a", "created_at": "b", "reason": "c", "schema_version": "0",
              "sha256": "d", "size_bytes": "big"})",
          R"({"source": "a", "created_at": "b", "reason": "c", "schema_version": 3,
              "sha256": "d", "size_bytes": 1})"}) {
        auto parsed = parse_backup_metadata(text, k_where);
        ASSERT_FALSE(parsed.has_value()) << text;
        EXPECT_EQ(parsed.error().code, ErrorCode::invalid_input) << text;
        EXPECT_CONTAINS(parsed.error().message, k_where);
        EXPECT_NOT_CONTAINS(parsed.error().message, "json.exception") << text;
    }
    auto cut = parse_backup_metadata("{\"source\":\n", k_where);
    ASSERT_FALSE(cut.has_value());
    EXPECT_EQ(cut.error().message,
              std::string(k_where) +
                  ": not a valid backup sidecar: not valid JSON at byte 12 (unexpected end of "
                  "input; expected '[', '{', or a literal)");
}

TEST(BackupFileName, IsStemUtcStampAndBak) {
    EXPECT_EQ(backup_file_name("registry", example_time(), 0), "registry-20261123-101500.bak");
    EXPECT_EQ(backup_file_name("registry", example_time() + 999ms, 0),
              "registry-20261123-101500.bak");
}

TEST(BackupFileName, SameSecondBackupsGetANumberSuffix) {
    EXPECT_EQ(backup_file_name("registry", example_time(), 1), "registry-20261123-101500-1.bak");
    EXPECT_EQ(backup_file_name("registry", example_time(), 2), "registry-20261123-101500-2.bak");
    EXPECT_EQ(backup_file_name("registry", example_time(), 12), "registry-20261123-101500-12.bak");
}

TEST(BackupFileName, IsUtcWhateverTheLocalTimeZone) {
    const char* old = std::getenv("TZ");
    const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
    ::setenv("TZ", "JST-9", 1);
    ::tzset();
    const auto name = backup_file_name("registry", example_time(), 0);
    const auto corrupt = corrupt_file_name("registry", example_time());
    if (saved) {
        ::setenv("TZ", saved->c_str(), 1);
    } else {
        ::unsetenv("TZ");
    }
    ::tzset();
    EXPECT_EQ(name, "registry-20261123-101500.bak");
    EXPECT_EQ(corrupt, "registry-corrupt-20261123-101500.db");
}

TEST(CorruptFileName, IsStemCorruptUtcStampAndDb) {
    EXPECT_EQ(corrupt_file_name("registry", example_time()), "registry-corrupt-20261123-101500.db");
}

TEST(BackupStem, IsTheFileNameWithoutItsLastExtension) {
    EXPECT_EQ(backup_stem("/srv/registry.db"), "registry");
    EXPECT_EQ(backup_stem("registry.db"), "registry");
    EXPECT_EQ(backup_stem("data/app.sqlite3"), "app");
    EXPECT_EQ(backup_stem("/srv/registry"), "registry");
    EXPECT_EQ(backup_stem("/srv/v1.2.db"), "v1.2");
}

TEST(SidecarPath, AppendsJsonToTheBackupPath) {
    EXPECT_EQ(sidecar_path("/srv/backups/registry-20261123-101500.bak"),
              std::filesystem::path("/srv/backups/registry-20261123-101500.bak.json"));
    EXPECT_EQ(sidecar_path("registry-20261123-101500-1.bak"),
              std::filesystem::path("registry-20261123-101500-1.bak.json"));
}

}  // namespace
}  // namespace belay

namespace belay {
namespace {

TEST(IsBackupFileName, AcceptsWhatBackupFileNameWritesAndNothingElse) {
    const auto when = std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} +
                      std::chrono::hours{10} + std::chrono::minutes{15};
    EXPECT_TRUE(is_backup_file_name(backup_file_name("registry", when, 0), "registry", false));
    EXPECT_TRUE(is_backup_file_name(backup_file_name("registry", when, 12), "registry", false));
    EXPECT_TRUE(is_backup_file_name("registry-20261123-101500.bak.json", "registry", true));
    EXPECT_FALSE(is_backup_file_name("registry-20261123-101500.bak.json", "registry", false));
    EXPECT_FALSE(is_backup_file_name("registry-notes.bak", "registry", true));
    EXPECT_FALSE(is_backup_file_name("registry-20261123-101500-.bak", "registry", true));
    EXPECT_FALSE(is_backup_file_name("registry-20261123-1015.bak", "registry", true));
    EXPECT_FALSE(is_backup_file_name("registry2-20261123-101500.bak", "registry", true));
    EXPECT_FALSE(is_backup_file_name("registry-20261123-101500.bak", "reg", true));
}

// The sequence of the next backup reads this database's sidecars, and never another stem's
// automatic ones: a directory shared by a fleet of tenants costs each snapshot a listing only.
TEST(HighestSequence, CountsThisSourcesSidecarsAndSkipsOtherStemsAutomaticOnes) {
    testing::TempDir dir;
    auto metadata = example();
    metadata.source = "/srv/tenants/t1.db";
    metadata.sequence = 7;
    dir.write("t1-20261123-101500.bak.json", to_json_text(metadata));
    metadata.sequence = 9;
    dir.write("t1-20261123-101500-2.bak.json", to_json_text(metadata));
    metadata.sequence = 50;  // a backup written with an exact name of its own
    dir.write("before-upgrade.bak.json", to_json_text(metadata));
    EXPECT_EQ(highest_sequence(dir.path(), "/srv/tenants/t1.db", "t1"), 50);
    metadata.sequence = 99;  // named as t10's: never opened for t1 (even naming t1 as source)
    dir.write("t10-20261123-101500.bak.json", to_json_text(metadata));
    dir.write("t1-old-20261123-101500-3.bak.json", to_json_text(metadata));
    EXPECT_EQ(highest_sequence(dir.path(), "/srv/tenants/t1.db", "t1"), 50);
    EXPECT_EQ(highest_sequence(dir.path(), "/srv/tenants/t1.db", "t10"), 99);
    EXPECT_EQ(highest_sequence(dir.path(), "/srv/tenants/t2.db", "t2"), 0);
}

}  // namespace
}  // namespace belay
