namespace Platform.Controller.Inventory;

internal static class SqlPatterns
{
    /// <summary>A case-insensitive "contains" LIKE pattern with the user's %, _ and \ taken literally; null for no filter.</summary>
    public static string? Contains(string? text) =>
        string.IsNullOrEmpty(text)
            ? null
            : "%" + text.ToLowerInvariant().Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";
}
