using Npgsql;

namespace Platform.Controller.Inventory;

/// <summary>PostgreSQL failures the stores expect, recognised by SQLSTATE (never by message text).</summary>
internal static class PostgresErrors
{
    public const string UniqueViolation = "23505";
    public const string ForeignKeyViolation = "23503";
    public const string CheckViolation = "23514";
    public const string SerializationFailure = "40001";

    public static bool IsUniqueViolation(this PostgresException e, string? constraint = null) =>
        e.SqlState == UniqueViolation && (constraint is null || e.ConstraintName == constraint);

    public static bool IsForeignKeyViolation(this PostgresException e) => e.SqlState == ForeignKeyViolation;

    /// <summary>
    /// Connection-level failures (server down, shutting down, too many connections): the
    /// controller answers 503 rather than pretending the resource does not exist.
    /// </summary>
    public static bool IsOutage(this NpgsqlException e) =>
        e is not PostgresException pg
        || pg.SqlState.StartsWith("08", StringComparison.Ordinal)   // connection exception
        || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)  // operator intervention: shutdown
        || pg.SqlState == "53300";                                   // too many connections
}
