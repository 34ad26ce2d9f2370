namespace Platform.Controller.Images;

internal sealed record ImageRecord(
    string ImageId,
    string ImageName,
    long ImageSize,
    string OsType,
    string Describe,
    string Status,
    string? Error,
    long CreateTime);

internal static class ImageStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Error = "error";
}

internal static class OsTypes
{
    public static readonly IReadOnlyList<string> All = ["Linux", "Windows"];
}
