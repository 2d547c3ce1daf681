// Migrations compiled into a program (the "registry in code" pattern): a list of
// version/name/up/down that a program hands to belay instead of a directory of files.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace belay {

// One migration as a program spells it. The same rules as a file's apply: the version is a
// run of digits (compared as a number, kept as written), the Up SQL runs in one transaction
// with its history row unless no_transaction, and Verify holds belay's post-step checks (every
// row of each statement must have a true first column, see docs/validation.md).
struct EmbeddedMigration {
    std::string version;          // "0001", "20261123101500": digits only
    std::string name;             // "create_users": letters, digits, '_' and '-'
    std::string up;               // SQL; an empty Up is a deliberate no-op
    std::string down;             // SQL; empty: this migration cannot be reverted
    std::string verify;           // SQL checks run after Up, before COMMIT; empty: none
    bool no_transaction = false;  // Up runs outside a transaction (a failure leaves it dirty)
    // This step's timeout instead of MigrateOptions::step_timeout: 1 ms to 1e9 s.
    std::optional<std::chrono::milliseconds> timeout;
    bool down_no_transaction = false;  // Down runs outside a transaction
};

}  // namespace belay
