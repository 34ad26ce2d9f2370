namespace Platform.Controller.DriverCenter;

/// <summary>A system driver (the seed's voi_driver_files row) with the number of templates using it.</summary>
internal sealed record SystemDriverRecord(
    long Id, string Name, short OsType, short Type, long Size, int Files, string Describe, string FileName, string Status, long CreateAt, long UpdateAt, int TplNum);

/// <summary>The two kinds of system driver: each its own file type and folder on the disk.</summary>
internal static class DriverTypes
{
    public const short Universal = 1;
    public const short Extracted = 2;

    /// <summary>The type an upload's file name says (.iso universal, .tq extracted); null for any other.</summary>
    public static short? OfFileName(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".iso" => Universal,
        ".tq" => Extracted,
        _ => null,
    };

    public static Contracts.Agent.V1.DriverFolder Folder(short type) => type switch
    {
        Universal => Contracts.Agent.V1.DriverFolder.SystemUniversal,
        Extracted => Contracts.Agent.V1.DriverFolder.SystemExtracted,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a system driver type"),
    };

    public static string Extension(short type) => type == Universal ? ".iso" : ".tq";
}

/// <summary>The seed's environments (os_type 1–4), the one table both directions use.</summary>
internal static class DriverEnvironments
{
    public static readonly IReadOnlyList<string> Names = ["Windows7_32", "Windows7_64", "Windows10_32", "Windows10_64"];

    /// <summary>What an upload that names none gets.</summary>
    public const short Default = 4;

    public static string NameOf(short osType) => Names[osType - 1];

    /// <summary>1–4, or the name (any case); null when it is neither.</summary>
    public static short? Parse(string text)
    {
        if (short.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return number is >= 1 and <= 4 ? number : null;
        }
        var index = Names.ToList().FindIndex(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        return index < 0 ? null : (short)(index + 1);
    }

    /// <summary>The field <see cref="Read"/> reads, for the API description.</summary>
    public static Api.Description.ApiField Field { get; } =
        Api.Description.ApiField.Scalar("os_type") with { Aliases = ["environment"], Description = $"1–4 or one of {string.Join(", ", Names)}" };

    /// <summary>Reads <c>os_type</c> or its seed alias <c>environment</c> (number or name).</summary>
    public static short? Read(Api.ApiRequest request)
    {
        var field = request.Named("os_type", "environment");
        if (!request.Has(field))
        {
            return null;
        }
        var text = request.Scalar(field);
        if (text is null)
        {
            return null;
        }
        var parsed = Parse(text);
        if (parsed is null)
        {
            request.AddError(field, $"must be 1–4 or one of {string.Join(", ", Names)}");
        }
        return parsed;
    }
}
