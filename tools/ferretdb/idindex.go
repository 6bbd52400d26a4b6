package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver FerretDB itself uses
)

// FerretDB v1.24's SQLite backend filters lookups by _id on the expression
// _ferretdb_sjson->'$._id', but creates the _id index on _ferretdb_sjson->"_id". SQLite uses an
// expression index only for the identical expression, so every find, update or delete by _id
// scans the whole table (100 ms per lookup at 200,000 documents, measured). This watcher adds
// a matching expression index to each collection table; FerretDB's own metadata never sees it,
// and dropping the collection drops it with the table.
const idLookupSuffix = "__id_lookup"

func watchIDIndexes(ctx context.Context, dir string, logger *slog.Logger) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := indexDatabase(ctx, file); err != nil {
				logger.Debug("id index pass failed; retrying next tick", "file", file, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// indexDatabase opens the file for this pass only (mode=rw never recreates a dropped database,
// and no connection outlives a drop) and indexes the tables that lack the lookup index.
func indexDatabase(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(2000)")
	if err != nil {
		return err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx, `SELECT t.name FROM sqlite_master t
		WHERE t.type = 'table' AND t.name NOT LIKE '\_ferretdb\_%' ESCAPE '\' AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.name = t.name || ?)`,
		idLookupSuffix)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()

	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`,
			table+idLookupSuffix, table)
		if _, err := db.ExecContext(ctx, q); err != nil && !strings.Contains(err.Error(), "no such table") {
			return err
		}
	}
	return nil
}
