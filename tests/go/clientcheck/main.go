// Command clientcheck exercises go-sql-driver/mysql against one DSN and prints a JSON summary.
//
// The client-compatibility tests run it once against the upstream server and once through the
// branchdb proxy and compare the two summaries: any difference is a protocol difference the
// proxy introduced. Values that legitimately differ between runs (connection ids, timings) are
// never printed.
//
// Usage: clientcheck -dsn 'user:pw@tcp(127.0.0.1:3306)/db' [-mode full|read|branch]
//
//	full:   ping, text + prepared queries, NULLs, DATETIME(6), insert/update results,
//	        transactions; needs a database in the DSN and rights to create a table in it.
//	read:   only reads (no table needed).
//	branch: the reads, then an INSERT into the table clientcheck (which must exist) and the
//	        rows read back with a text query and with a prepared statement.
package main

import (
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
)

// summary maps a check name to its observed result (values, errors or counts).
type summary map[string]interface{}

func main() {
	dsn := flag.String("dsn", "", "go-sql-driver DSN")
	mode := flag.String("mode", "full", "full, read or branch")
	flag.Parse()
	out := summary{}
	if err := run(*dsn, *mode, out); err != nil {
		out["fatal"] = describeErr(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func run(dsn, mode string, out summary) error {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// One connection keeps session state (temporary values, transactions) deterministic.
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		return err
	}
	out["ping"] = "ok"
	if err := reads(db, out); err != nil {
		return err
	}
	switch mode {
	case "full":
		return writes(db, out)
	case "branch":
		res, err := db.Exec("INSERT INTO clientcheck (name) VALUES ('from-branch')")
		if err != nil {
			out["branch_insert"] = describeErr(err)
		} else {
			out["branch_insert"] = resultSummary(res)
		}
		const rows = "SELECT id, name FROM clientcheck WHERE id >= ? ORDER BY id"
		out["branch_rows_text"] = orError(queryStrings(db, strings.Replace(rows, "?", "0", 1)))
		out["branch_rows_prepared"] = orError(queryStrings(db, rows, 0))
		// The session must stay usable whatever happened above.
		out["after"], err = queryStrings(db, "SELECT 'still-alive'")
		return err
	case "read":
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// reads runs the checks that need no table, so they also work on a read-only branch session.
func reads(db *sql.DB, out summary) error {
	var err error
	if out["current_user"], err = queryStrings(db, "SELECT CURRENT_USER()"); err != nil {
		return err
	}
	if out["text_query"], err = queryStrings(db,
		"SELECT 1, -2, 18446744073709551615, 'héllo 😀', 1.50, 2.5e0, NULL, "+
			"CAST('2024-02-29 13:14:15.123456' AS DATETIME(6)), CAST('-838:59:59' AS TIME)"); err != nil {
		return err
	}
	if out["text_columns"], err = columnTypes(db, "SELECT 1, 'x', 1.5, NULL, NOW(6)"); err != nil {
		return err
	}
	stmt, err := db.Prepare("SELECT ? + 1, CONCAT(?, 'x'), ?, ?, CAST(? AS DATETIME(6))")
	if err != nil {
		return err
	}
	defer stmt.Close()
	if out["prepared"], err = stmtStrings(stmt, 41, "ab", nil, []byte{0, 1, 2, 255},
		"2024-02-29 13:14:15.123456"); err != nil {
		return err
	}
	// A second execution of the same statement id must work too.
	if out["prepared_again"], err = stmtStrings(stmt, -1, "", "z", 3.25, "1999-12-31 23:59:59.5"); err != nil {
		return err
	}
	var a, b sql.NullInt64
	var c sql.NullString
	if err := db.QueryRow("SELECT NULL, CAST(NULL AS SIGNED), ?", nil).Scan(&a, &b, &c); err != nil {
		return err
	}
	out["nulls"] = []bool{a.Valid, b.Valid, c.Valid}
	_, err = db.Query("SELECT * FROM no_such_table_clientcheck")
	out["error_1146"] = describeErr(err)
	return nil
}

// writes exercises OK-packet fields (affected rows, last insert id) and transactions.
func writes(db *sql.DB, out summary) error {
	for _, q := range []string{
		"DROP TABLE IF EXISTS clientcheck",
		"CREATE TABLE clientcheck (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50), " +
			"ts DATETIME(6) NULL)",
	} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	res, err := db.Exec("INSERT INTO clientcheck (name, ts) VALUES ('a', '2024-01-02 03:04:05.678901'), " +
		"('b', NULL), ('c', NULL)")
	if err != nil {
		return err
	}
	out["insert_multi"] = resultSummary(res)
	ins, err := db.Prepare("INSERT INTO clientcheck (name, ts) VALUES (?, ?)")
	if err != nil {
		return err
	}
	defer ins.Close()
	res, err = ins.Exec("d", "2020-06-07 08:09:10.000001")
	if err != nil {
		return err
	}
	out["insert_prepared"] = resultSummary(res)
	res, err = db.Exec("UPDATE clientcheck SET name = CONCAT(name, '!') WHERE id <= 2")
	if err != nil {
		return err
	}
	out["update"] = resultSummary(res)
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec("INSERT INTO clientcheck (name) VALUES ('rolled-back')"); err != nil {
		return err
	}
	if err := tx.Rollback(); err != nil {
		return err
	}
	tx, err = db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec("INSERT INTO clientcheck (name) VALUES ('committed')"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if out["rows_text"], err = queryStrings(db, "SELECT id, name, ts FROM clientcheck ORDER BY id"); err != nil {
		return err
	}
	sel, err := db.Prepare("SELECT id, name, ts FROM clientcheck WHERE id >= ? ORDER BY id")
	if err != nil {
		return err
	}
	defer sel.Close()
	if out["rows_prepared"], err = stmtStrings(sel, 1); err != nil {
		return err
	}
	_, err = db.Exec("INSERT INTO clientcheck (id, name) VALUES (1, 'dup')")
	out["error_1062"] = describeErr(err)
	return nil
}

// orError keeps either the rows or the error, for checks whose failure is itself the result.
func orError(rows [][]*string, err error) interface{} {
	if err != nil {
		return describeErr(err)
	}
	return rows
}

func resultSummary(res sql.Result) map[string]int64 {
	id, _ := res.LastInsertId()
	n, _ := res.RowsAffected()
	return map[string]int64{"last_insert_id": id, "rows_affected": n}
}

func queryStrings(db *sql.DB, q string, args ...interface{}) ([][]*string, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows)
}

func stmtStrings(stmt *sql.Stmt, args ...interface{}) ([][]*string, error) {
	rows, err := stmt.Query(args...)
	if err != nil {
		return nil, err
	}
	return collect(rows)
}

// collect returns every row as strings (nil for NULL, "hex:..." for non-UTF-8 bytes); RawBytes keeps the driver's own
// rendering of each value, which differs between the text and the binary protocol.
func collect(rows *sql.Rows) ([][]*string, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	result := [][]*string{}
	for rows.Next() {
		raw := make([]sql.RawBytes, len(cols))
		ptrs := make([]interface{}, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]*string, len(cols))
		for i, v := range raw {
			if v != nil {
				s := string(v)
				if !utf8.Valid(v) {
					s = "hex:" + hex.EncodeToString(v)
				}
				row[i] = &s
			}
		}
		result = append(result, row)
	}
	return result, rows.Err()
}

func columnTypes(db *sql.DB, q string) ([]map[string]interface{}, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	result := []map[string]interface{}{}
	for _, t := range types {
		nullable, _ := t.Nullable()
		precision, scale, _ := t.DecimalSize()
		result = append(result, map[string]interface{}{
			"name": t.Name(), "type": t.DatabaseTypeName(), "nullable": nullable,
			"precision": precision, "scale": scale,
		})
	}
	for rows.Next() {
	}
	return result, rows.Err()
}

// describeErr keeps the MySQL error number and message, the part a client can observe.
func describeErr(err error) interface{} {
	if err == nil {
		return nil
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return map[string]interface{}{"number": me.Number, "message": me.Message}
	}
	return map[string]interface{}{"other": err.Error()}
}
