// Messages as facts: words, and terms that each interface words its own way.
//
// belay's messages often tell the reader which option to change or which call to make next.
// The library names those as terms, not as text: an Option is a field of the calls' option
// structs (lock_timeout), a Call is one of belay's calls with its arguments (restore, with the
// database and the backup), a ShellCommand a command of the system to run (mkdir -p backups).
// Message::text() words them in the library's terms (field names, call names, the command's
// words as they are); belay's command line words the same message with its flags and commands
// (--lock-timeout, belay db restore --db app.db x.bak), quoted for the shell. A program embedding
// belay can word them in its own (a setting in its configuration screen), or read them: option()
// and call() say which option a message is about and which call it advises.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace belay {

// A field of the calls' option structs (belay/options.hpp and the headers of each call).
enum class Option {
    database,             // DatabaseOptions::database
    migrations_dir,       // DatabaseOptions::migrations_dir
    layout,               // DatabaseOptions::layout
    history_table,        // DatabaseOptions::history_table
    backup_dir,           // DatabaseOptions::backup_dir
    lock_timeout,         // DatabaseOptions::lock_timeout
    target,               // MigrateOptions::target
    steps,                // MigrateOptions::steps
    keep,                 // MigrateOptions::keep, PruneOptions::keep
    keep_days,            // PruneOptions::keep_days
    step_timeout,         // MigrateOptions::step_timeout
    no_backup,            // MigrateOptions::backup set to false
    backup_only,          // MigrateOptions::backup_only
    allow_out_of_order,   // MigrateOptions::allow_out_of_order
    allow_missing_down,   // MigrateOptions::allow_missing_down
    assume_yes,           // assume_yes of MigrateOptions, RestoreOptions, HistoryEditOptions
    out,                  // BackupOptions::out, DumpSchemaOptions::out
    backup,               // RestoreOptions::backup
    latest,               // RestoreOptions::latest
    from_tool,            // HistoryEditOptions::from_tool
    from_other_database,  // RestoreOptions::from_other_database
    command,              // ExecOptions::command
    environment,          // ExecOptions::environment
    dry_run,              // dry_run of MigrateOptions, ExecOptions, PruneOptions
    restore_on_failure,   // ExecOptions::restore_on_failure
    timeout,              // ExecOptions::timeout
    jobs,                 // FleetOptions::jobs
    max_failures,         // FleetOptions::max_failures
    rehearse,             // FleetOptions::rehearse set to false
    journal,              // FleetOptions::journal
};

// The field's name (lock_timeout; "backup = false" for no_backup).
std::string_view field_name(Option option);

// One of belay's calls (belay/api.hpp), as a message advises it.
enum class Command {
    status,         // build_status
    migrate,        // run_migrate
    down,           // run_migrate with Operation::down
    redo,           // run_migrate with Operation::redo
    reset,          // run_migrate with Operation::reset
    refresh,        // run_migrate with Operation::refresh
    create,         // create_migration
    backups,        // list_backups
    restore,        // run_restore
    check,          // run_check
    adopt,          // run_history_edit with HistoryEdit::adopt
    baseline,       // run_history_edit with HistoryEdit::baseline
    force,          // run_history_edit with HistoryEdit::force
    repair,         // run_history_edit with HistoryEdit::repair
    dump_schema,    // run_dump_schema
    exec,           // run_exec
    lint,           // run_lint
    fleet_migrate,  // run_fleet with FleetCommand::migrate
    fleet_resume,   // resume_fleet
};

// The call's name in the library (run_restore; run_history_edit(adopt) for adopt).
std::string_view call_name(Command command);

// An argument of a call: an option with its value (database = app.db), an option that is only
// set (latest), or a value with no option (a backup's path, or a placeholder such as VERSION
// for the reader to fill in).
struct Argument {
    std::optional<Option> option;
    std::string value;
    bool placeholder = false;  // value is the name of what to give, not a value

    bool operator==(const Argument&) const = default;
};

struct Call {
    Command command = Command::status;
    std::vector<Argument> arguments;
    // How the message names it: as a command to run (with the program's name), or as the name
    // of the operation ("the adopt call").
    bool as_command = true;

    bool operator==(const Call&) const = default;
};

// A command of the system's shell (not one of belay's calls) for the reader to run, word by
// word: {"mkdir", "-p", "backups/new dir"}. The library's words join them with spaces; an
// interface that prints a command line quotes each as its shell needs.
struct ShellCommand {
    std::vector<std::string> words;

    bool operator==(const ShellCommand&) const = default;
};

// A message: words, and terms among them.
class Message {
  public:
    using Term = std::variant<Option, Call, ShellCommand>;
    using Part = std::variant<std::string, Term>;

    Message() = default;
    Message(std::string text);  // NOLINT(google-explicit-constructor): plain words are a message
    Message(const char* text);  // NOLINT(google-explicit-constructor)

    const std::vector<Part>& parts() const { return m_parts; }
    bool empty() const;

    // The message in the library's words: terms as field and call names.
    std::string text() const;

    // The first option the message names, if any: what it is about; and the first call it
    // advises as the next step (a call to make, as_command; not an operation it only names,
    // such as the one that refused).
    std::optional<Option> option() const;
    std::optional<Call> call() const;

    Message& operator+=(std::string_view words);
    Message& operator+=(const std::string& words) { return *this += std::string_view(words); }
    Message& operator+=(const char* words) { return *this += std::string_view(words); }
    Message& operator+=(const Message& other);
    Message& operator+=(Term term);

    bool operator==(const Message&) const = default;

  private:
    std::vector<Part> m_parts;
};

// The words of one term in the library's terms, as Message::text() gives them.
std::string library_words(const Message::Term& term);

}  // namespace belay
