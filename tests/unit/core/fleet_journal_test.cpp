#include "core/fleet_journal.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace belay {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

nlohmann::ordered_json header(std::size_t selected) {
    return {{"belay_fleet_journal", 1}, {"command", "migrate"}, {"selected", selected}};
}

std::vector<FleetMember> two_members() {
    return {{"tenants/a.db", {}}, {"tenants/b.db", "does not exist"}};
}

FleetResult migrated(std::string database) {
    FleetResult result;
    result.database = std::move(database);
    result.outcome = FleetOutcome::migrated;
    result.version_before = "1";
    result.version_after = "3";
    result.steps = 2;
    result.snapshot = "tenants/a-20261207-101500.bak";
    result.duration_ms = 12;
    return result;
}

TEST(FleetJournal, WhatIsWrittenIsReadBack) {
    TempDir dir;
    const auto path = dir / "run.journal";
    {
        auto journal = FleetJournal::create(path, header(2), two_members());
        ASSERT_TRUE(journal.has_value()) << journal.error().message;
        ASSERT_TRUE(journal->append({{"start", 0}}).has_value());
        ASSERT_TRUE(journal->append({{"snapshot", 0}, {"path", "tenants/a-1.bak"}}).has_value());
        ASSERT_TRUE(journal->append(end_line(0, migrated("tenants/a.db"))).has_value());
    }
    auto contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    ASSERT_EQ(contents->members.size(), 2u);
    EXPECT_TRUE(contents->selection_complete);
    EXPECT_EQ(contents->members[1].problem, "does not exist");
    EXPECT_TRUE(contents->started[0]);
    EXPECT_FALSE(contents->started[1]);
    EXPECT_EQ(contents->snapshots[0], "tenants/a-1.bak");
    ASSERT_TRUE(contents->ends[0].has_value());
    EXPECT_EQ(contents->ends[0]->outcome, FleetOutcome::migrated);
    EXPECT_EQ(contents->ends[0]->version_after, "3");
    EXPECT_EQ(contents->ends[0]->snapshot, "tenants/a-20261207-101500.bak");
    EXPECT_FALSE(contents->ends[1].has_value());
    EXPECT_FALSE(contents->finished);
}

TEST(FleetJournal, AnExistingFileIsNeverOverwritten) {
    TempDir dir;
    const auto path = dir.write("run.journal", "mine\n");
    auto journal = FleetJournal::create(path, header(2), two_members());
    ASSERT_FALSE(journal.has_value());
    EXPECT_EQ(journal.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(testing::read_file(path), "mine\n");
}

TEST(FleetJournal, ALastLineACrashCutShortIsSkippedAndCutOffOnReopen) {
    TempDir dir;
    const auto path = dir / "run.journal";
    {
        auto journal = FleetJournal::create(path, header(2), two_members());
        ASSERT_TRUE(journal.has_value());
        ASSERT_TRUE(journal->append({{"start", 0}}).has_value());
    }
    {
        std::ofstream torn(path, std::ios::app);
        torn << R"({"end":0,"outcome":"migr)";
    }
    auto contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    EXPECT_FALSE(contents->ends[0].has_value());
    auto reopened = FleetJournal::reopen(path);
    ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
    ASSERT_TRUE(reopened->append(end_line(0, migrated("tenants/a.db"))).has_value());
    contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    ASSERT_TRUE(contents->ends[0].has_value());
}

// A write that fails part-way (the file may grow no further: a full disk) ends the journal
// there: later appends write nothing, and the journal reads back, and resumes, with its chain.
TEST(FleetJournal, AfterAFailedAppendNothingMoreIsWrittenAndTheJournalStaysReadable) {
    TempDir dir;
    const auto path = dir / "run.journal";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::signal(SIGXFSZ, SIG_IGN);
        auto journal = FleetJournal::create(path, header(2), two_members());
        if (!journal || !journal->append({{"start", 0}})) {
            ::_exit(10);
        }
        const rlimit limit{static_cast<rlim_t>(fs::file_size(path) + 20),
                           static_cast<rlim_t>(fs::file_size(path) + 20)};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        const bool first = journal->append(end_line(0, migrated("tenants/a.db"))).has_value();
        const auto size = fs::file_size(path);
        const bool second = journal->append({{"start", 1}}).has_value();
        ::_exit(first || second || fs::file_size(path) != size ? 11 : 0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    auto contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    EXPECT_TRUE(contents->started[0]);
    EXPECT_FALSE(contents->ends[0].has_value());  // cut short: skipped
    auto reopened = FleetJournal::reopen(path);
    ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
    ASSERT_TRUE(reopened->append(end_line(0, migrated("tenants/a.db"))).has_value());
    contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    EXPECT_TRUE(contents->ends[0].has_value());
}

TEST(FleetJournal, ASecondWriterIsBusy) {
    TempDir dir;
    const auto path = dir / "run.journal";
    auto first = FleetJournal::create(path, header(2), two_members());
    ASSERT_TRUE(first.has_value());
    auto second = FleetJournal::reopen(path);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, ErrorCode::busy);
}

TEST(FleetJournal, AFileThatIsNotAJournalIsRefusedNamingIt) {
    TempDir dir;
    const auto path = dir.write("notes.txt", "hello\n");
    auto contents = read_fleet_journal(path);
    ASSERT_FALSE(contents.has_value());
    EXPECT_NE(contents.error().message.find("notes.txt"), std::string::npos);
}

TEST(FleetJournal, AnEditedLineInTheMiddleIsRefusedNamingTheLine) {
    TempDir dir;
    const auto path = dir / "run.journal";
    {
        auto journal = FleetJournal::create(path, header(2), two_members());
        ASSERT_TRUE(journal.has_value());
        ASSERT_TRUE(journal->append({{"start", 7}}).has_value());  // no database 7
        ASSERT_TRUE(journal->append({{"finished", "now"}}).has_value());
    }
    auto contents = read_fleet_journal(path);
    ASSERT_FALSE(contents.has_value());
    EXPECT_NE(contents.error().message.find("line 4"), std::string::npos)
        << contents.error().message;
}

TEST(FleetJournal, ASelectionCutShortIsNotComplete) {
    TempDir dir;
    const auto path = dir / "run.journal";
    {
        auto journal = FleetJournal::create(
            path, header(3), {{"a.db", {}, 1, 1}, {"b.db", {}, 1, 2}, {"c.db", {}, 1, 3}});
        ASSERT_TRUE(journal.has_value());
    }
    auto text = testing::read_file(path);
    fs::resize_file(path, text.rfind("{\"select\":\"c.db\"") + 5);  // a crash in the last line
    auto contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    EXPECT_FALSE(contents->selection_complete);
    EXPECT_EQ(contents->members.size(), 2u);
}

TEST(FleetJournal, ALineChangedByHandBreaksTheChainAndIsNamed) {
    TempDir dir;
    const auto path = dir / "run.journal";
    {
        auto journal = FleetJournal::create(path, header(2), two_members());
        ASSERT_TRUE(journal.has_value());
        ASSERT_TRUE(journal->append({{"start", 0}}).has_value());
    }
    auto text = testing::read_file(path);
    const auto at = text.find("tenants/a.db");
    text.replace(at, 12, "elsewhere/x.");  // the same length: only the chain can tell
    {
        std::ofstream out(path, std::ios::trunc);
        out << text;
    }
    auto contents = read_fleet_journal(path);
    ASSERT_FALSE(contents.has_value());
    EXPECT_NE(contents.error().message.find("line 2"), std::string::npos)
        << contents.error().message;
    auto reopened = FleetJournal::reopen(path);  // the chain is read on reopening too
    ASSERT_TRUE(reopened.has_value());
}

TEST(FleetJournal, AReopenedJournalGoesOnWithTheChain) {
    TempDir dir;
    const auto path = dir / "run.journal";
    {
        auto journal = FleetJournal::create(path, header(2), two_members());
        ASSERT_TRUE(journal.has_value());
        ASSERT_TRUE(journal->append({{"start", 0}}).has_value());
    }
    {
        auto journal = FleetJournal::reopen(path);
        ASSERT_TRUE(journal.has_value()) << journal.error().message;
        ASSERT_TRUE(journal->append({{"resumed", "now"}}).has_value());
        ASSERT_TRUE(journal->append(end_line(0, migrated("tenants/a.db"))).has_value());
    }
    auto contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    EXPECT_TRUE(contents->ends[0].has_value());
}

TEST(FleetJournal, AFifoIsRefusedWithoutWaitingForAWriter) {
    TempDir dir;
    const auto path = dir / "fifo.journal";
    ASSERT_EQ(::mkfifo(path.c_str(), 0644), 0);
    auto contents = read_fleet_journal(path);
    ASSERT_FALSE(contents.has_value());
    EXPECT_NE(contents.error().message.find("FIFO"), std::string::npos) << contents.error().message;
}

TEST(FleetJournal, LinesThatCannotHappenAreRefusedEvenWhenLinked) {
    TempDir dir;
    const auto write = [&](const std::string& name, auto&& lines) {
        const auto path = dir / name;
        auto journal = FleetJournal::create(path, header(2), two_members());
        EXPECT_TRUE(journal.has_value());
        for (const auto& line : lines) {
            EXPECT_TRUE(journal->append(line).has_value());
        }
        return path;
    };
    using Lines = std::vector<nlohmann::ordered_json>;
    // An end before its start; a second end not after an interruption; finished too early.
    for (const auto& [name, lines] :
         {std::pair{"a", Lines{end_line(0, migrated("a"))}},
          std::pair{"b", Lines{{{"start", 0}},
                               end_line(0, migrated("a")),
                               {{"start", 0}},
                               end_line(0, migrated("a"))}},
          std::pair{"c", Lines{{{"start", 0}}, end_line(0, migrated("a")), {{"finished", "x"}}}}}) {
        SCOPED_TRACE(name);
        auto contents = read_fleet_journal(write(name, lines));
        ASSERT_FALSE(contents.has_value());
        EXPECT_NE(contents.error().message.find("not a line of a belay fleet journal"),
                  std::string::npos)
            << contents.error().message;
    }
    // After an interruption a database runs again: a second start and end.
    FleetResult interrupted = migrated("a");
    interrupted.outcome = FleetOutcome::interrupted;
    auto resumed = read_fleet_journal(write("d", Lines{{{"start", 0}},
                                                       end_line(0, interrupted),
                                                       {{"resumed", "x"}},
                                                       {{"start", 0}},
                                                       end_line(0, migrated("a"))}));
    ASSERT_TRUE(resumed.has_value()) << resumed.error().message;
    EXPECT_EQ(resumed->ends[0]->outcome, FleetOutcome::migrated);
}

TEST(FleetJournal, ADatabasesSnapshotIsTheFirstItsRunsTook) {
    TempDir dir;
    const auto path = dir / "run.journal";
    {
        auto journal = FleetJournal::create(path, header(2), two_members());
        ASSERT_TRUE(journal.has_value());
        ASSERT_TRUE(journal->append({{"start", 0}}).has_value());
        ASSERT_TRUE(journal->append({{"snapshot", 0}, {"path", "first.bak"}}).has_value());
        ASSERT_TRUE(journal->append({{"resumed", "x"}}).has_value());
        ASSERT_TRUE(journal->append({{"start", 0}}).has_value());
        ASSERT_TRUE(journal->append({{"snapshot", 0}, {"path", "second.bak"}}).has_value());
    }
    auto contents = read_fleet_journal(path);
    ASSERT_TRUE(contents.has_value()) << contents.error().message;
    EXPECT_EQ(contents->snapshots[0], "first.bak");
}

}  // namespace
}  // namespace belay
