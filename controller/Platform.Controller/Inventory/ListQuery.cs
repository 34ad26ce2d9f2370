using System.Data.Common;
using Dapper;
using Npgsql;

namespace Platform.Controller.Inventory;

/// <summary>
/// The SQL of one list endpoint: a page of a resource table, newest first, with its total, in
/// one statement. A name filter ("contains", case-insensitive) is answered from the table's
/// name-suffix index (migration 0003) and the other filters are equality clauses on the table;
/// with no filter at all the total is the table's maintained row count, not a count(*).
/// The statement text depends only on which filters are present, never on their values, so
/// each shape is prepared once per connection and planned for what it filters on.
/// </summary>
/// <param name="Table">The resource table, e.g. <c>instances</c>.</param>
/// <param name="Alias">Its alias in <paramref name="Joins"/>, the columns and the clauses.</param>
/// <param name="Key">Its primary key column.</param>
/// <param name="Suffixes">Its name-suffix table.</param>
/// <param name="Columns">The SELECT list of one item (the record's constructor order).</param>
/// <param name="Joins">What the columns need besides the table (joined for the page's rows only).</param>
internal sealed record ListQuery(string Table, string Alias, string Key, string Suffixes, string Columns, string Joins = "")
{
    /// <summary>The @name parameter's suffix range: every suffix that starts with lower(@name).</summary>
    private const string NameRange =
        """s.suffix >= lower(@name) COLLATE "C" AND s.suffix < prefix_upper_bound(lower(@name)) COLLATE "C" """;

    /// <param name="byName">Whether @name filters.</param>
    /// <param name="clauses">Equality conditions on the table (constant SQL over parameters, never user text).</param>
    public ListSql Build(bool byName, IReadOnlyList<string> clauses)
    {
        var where = clauses.Count == 0 ? "" : "WHERE " + string.Join(" AND ", clauses);
        string? matched = (byName, clauses.Count) switch
        {
            (false, 0) => null,
            (true, 0) =>
                // A name can hold the text more than once: one row per resource (all its rows
                // carry the same create_time; DISTINCT measured 1.2× a GROUP BY with max()).
                $"SELECT DISTINCT s.{Key} AS id, s.create_time FROM {Suffixes} s WHERE {NameRange}",
            (true, _) =>
                $"SELECT {Alias}.{Key} AS id, {Alias}.create_time FROM {Table} {Alias} {where} AND {Alias}.{Key} IN (SELECT s.{Key} FROM {Suffixes} s WHERE {NameRange})",
            (false, _) => $"SELECT {Alias}.{Key} AS id, {Alias}.create_time FROM {Table} {Alias} {where}",
        };

        var rows = $"""
            {Columns} FROM page JOIN {Table} {Alias} ON {Alias}.{Key} = page.id {Joins}
            ORDER BY {Alias}.create_time DESC, {Alias}.{Key}
            """;
        if (matched is null)
        {
            var total = $"SELECT coalesce(sum(delta), 0)::bigint FROM row_count_deltas WHERE table_name = '{Table}'";
            return new ListSql(
                $"""
                WITH page AS (SELECT {Key} AS id FROM {Table} ORDER BY create_time DESC, {Key} LIMIT @limit OFFSET @offset)
                SELECT ({total}) AS total, {rows}
                """,
                total);
        }
        return new ListSql(
            $"""
            WITH matched AS MATERIALIZED ({matched}),
            page AS (SELECT id FROM matched ORDER BY create_time DESC, id LIMIT @limit OFFSET @offset)
            SELECT (SELECT count(*) FROM matched) AS total, {rows}
            """,
            $"SELECT count(*) FROM ({matched}) matched");
    }
}

/// <summary>A page statement whose rows start with the total, and the count alone for a page past the end.</summary>
internal sealed record ListSql(string Page, string Count)
{
    public async Task<(long Total, List<T> Items)> ReadAsync<T>(NpgsqlConnection connection, object parameters, int offset, CancellationToken ct)
    {
        var items = new List<T>();
        long? total = null;
        await using (var reader = (DbDataReader)await connection.ExecuteReaderAsync(new CommandDefinition(Page, parameters, cancellationToken: ct)))
        {
            var parse = reader.GetRowParser<T>(startIndex: 1);
            while (await reader.ReadAsync(ct))
            {
                total ??= reader.GetInt64(0);
                items.Add(parse(reader));
            }
        }
        // A page past the end has no row to carry the total.
        total ??= offset == 0 ? 0 : await connection.ExecuteScalarAsync<long>(new CommandDefinition(Count, parameters, cancellationToken: ct));
        return (total.Value, items);
    }
}
