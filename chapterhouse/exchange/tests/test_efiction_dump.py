"""Reading mysqldump files without a database."""

import pytest

from chapterhouse.exchange.importing.efiction.dump import DumpError, read_dump
from chapterhouse.exchange.importing.efiction.source import DumpSource
from chapterhouse.exchange.importing.parsed import ImportProblem


def test_strings_escapes_nulls_numbers_and_multi_row_inserts():
    tables = read_dump(r"""
        -- a comment; with a semicolon
        /*!40101 SET NAMES utf8mb4 */;
        # another comment
        CREATE TABLE `t` (
          `id` int(11) NOT NULL,
          `name` varchar(10) DEFAULT 'a,b',
          `note` text,
          score decimal(5,2),
          PRIMARY KEY (`id`),
          KEY `name` (`name`, `id`)
        ) ENGINE=InnoDB;
        INSERT INTO `t` VALUES (1,'It\'s a \"test\"\r\nline two','back\\slash',-2.5),
          (2,'O''Brien; /* not a comment */ -- nor this',NULL,3),(3,_binary 'raw',0x4869,1e2);
        INSERT INTO t (id, name) VALUES (4, "double \"quoted\"");
    """)
    table = tables["t"]
    assert table.columns == ["id", "name", "note", "score"]
    rows = table.rows
    assert rows[0] == {"id": 1, "name": 'It\'s a "test"\r\nline two', "note": "back\\slash",
                       "score": -2.5}
    assert rows[1]["name"] == "O'Brien; /* not a comment */ -- nor this"
    assert rows[1]["note"] is None and rows[1]["score"] == 3
    assert rows[2]["name"] == "raw" and rows[2]["note"] == b"Hi" and rows[2]["score"] == 100.0
    assert rows[3] == {"id": 4, "name": 'double "quoted"'}


def test_a_row_with_the_wrong_number_of_values_names_its_line():
    with pytest.raises(DumpError, match="Line 3 .* 1 values for 2 columns"):
        read_dump("CREATE TABLE a (x int, y int);\n\nINSERT INTO a VALUES (1);\n")


def test_unknown_values_are_refused_clearly():
    with pytest.raises(DumpError, match="cannot read the value"):
        read_dump("CREATE TABLE a (x int);\nINSERT INTO a VALUES (NOW());")


def test_a_file_with_no_efiction_tables_is_not_an_archive():
    with pytest.raises(ImportProblem, match="not an eFiction archive"):
        _ = DumpSource(text="CREATE TABLE users (id int);").prefix


def test_a_latin1_dump_still_reads(tmp_path):
    path = tmp_path / "old.sql"
    path.write_bytes(
        "CREATE TABLE ef_authors (uid int, penname varchar(9));\n"
        "INSERT INTO ef_authors VALUES (1,'Zoë');\n"
        "CREATE TABLE ef_stories (sid int);\nCREATE TABLE ef_chapters (chapid int);\n"
        .encode("cp1252")
    )
    source = DumpSource(path)
    assert source.prefix == "ef_"
    assert source.rows("authors") == [{"uid": 1, "penname": "Zoë"}]
    assert source.rows("reviews") == []
