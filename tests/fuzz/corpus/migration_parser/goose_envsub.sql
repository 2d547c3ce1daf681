-- +goose ENVSUB ON
-- +goose Up
CREATE TABLE ${PREFIX:-x}_t (a TEXT DEFAULT '$$ \$HOME ${HOME:0:3}');
-- +goose ENVSUB OFF
-- +goose StatementBegin
SELECT $1
-- +goose StatementEnd
-- +goose Down
DROP TABLE x_t
