// Command scenario runs the DEVELOPERS.md branch scenario with server-side prepared statements.
//
// An app on a branch runs its startup migration, inserts Bob and lists the users, every
// statement through db.Prepare (COM_STMT_PREPARE / COM_STMT_EXECUTE with go-sql-driver/mysql).
// It prints a JSON summary that the test compares with what a real copy would show.
//
// Usage: scenario -dsn 'user~branch:pw@tcp(127.0.0.1:PORT)/db' -mode empty|all
//
//	empty: the migration is CREATE TABLE IF NOT EXISTS users (..., email ...).
//	all:   the migration is ALTER TABLE users ADD COLUMN email VARCHAR(255).
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/go-sql-driver/mysql"
)

type summary map[string]interface{}

func main() {
	dsn := flag.String("dsn", "", "go-sql-driver DSN")
	mode := flag.String("mode", "all", "empty or all")
	flag.Parse()
	out := summary{}
	if err := run(*dsn, *mode, out); err != nil {
		out["fatal"] = describe(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func describe(err error) interface{} {
	if me, ok := err.(*mysql.MySQLError); ok {
		return map[string]interface{}{"errno": me.Number, "message": me.Message}
	}
	return err.Error()
}

// execPrepared prepares, executes once and closes, as an app's migration helper would.
func execPrepared(db *sql.DB, query string, args ...interface{}) (sql.Result, error) {
	stmt, err := db.Prepare(query)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	return stmt.Exec(args...)
}

func run(dsn, mode string, out summary) error {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	migration := "ALTER TABLE users ADD COLUMN email VARCHAR(255)"
	if mode == "empty" {
		migration = "CREATE TABLE IF NOT EXISTS users (id INT AUTO_INCREMENT PRIMARY KEY," +
			" name VARCHAR(255), email VARCHAR(255))"
	}
	if _, err := execPrepared(db, migration); err != nil {
		out["migration"] = describe(err)
		return nil
	}
	out["migration"] = "ok"

	insert, err := db.Prepare("INSERT INTO users(name, email) VALUES(?, ?)")
	if err != nil {
		return err
	}
	defer insert.Close()
	res, err := insert.Exec("Bob", "bob@example.com")
	if err != nil {
		return err
	}
	affected, _ := res.RowsAffected()
	bobID, _ := res.LastInsertId()
	out["insert"] = []int64{affected, bobID}

	list, err := db.Prepare("SELECT id, name, email FROM users ORDER BY id")
	if err != nil {
		return err
	}
	defer list.Close()
	users := [][]interface{}{}
	for round := 0; round < 2; round++ { // executed twice: the second run reuses the statement
		users = users[:0]
		rows, err := list.Query()
		if err != nil {
			return err
		}
		cols, _ := rows.Columns()
		out["columns"] = cols
		for rows.Next() {
			var id int64
			var name string
			var email sql.NullString
			if err := rows.Scan(&id, &name, &email); err != nil {
				rows.Close()
				return err
			}
			var e interface{}
			if email.Valid {
				e = email.String
			}
			users = append(users, []interface{}{id, name, e})
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	out["users"] = users

	byID, err := db.Prepare("SELECT name, email FROM users WHERE id = ?")
	if err != nil {
		return err
	}
	defer byID.Close()
	var name string
	var email sql.NullString
	if err := byID.QueryRow(bobID).Scan(&name, &email); err != nil {
		return err
	}
	out["bob"] = []interface{}{name, email.String}
	return nil
}
