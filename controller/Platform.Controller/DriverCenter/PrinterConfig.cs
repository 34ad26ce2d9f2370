using System.Net;
using System.Text.Json;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;

namespace Platform.Controller.DriverCenter;

/// <summary>
/// A printer driver's public configuration: what terminals receive in <see cref="FileName"/> inside
/// the driver's folder on the disk. The shared printer's password is not part of it (the disk goes
/// to every terminal); <see cref="HasPassword"/> says one is stored, encrypted, in the inventory.
/// </summary>
internal sealed record PrinterConfig(short Type, string? Paper, int? DuplexPrint, string? Ip, string? Accounts, int? Port, bool HasPassword)
{
    /// <summary>The one file of a printer driver the console may rewrite (文件名不正确，仅支持更新公有配置文件 for any other).</summary>
    public const string FileName = "public_config.json";

    public const short Local = 1;
    public const short Shared = 2;
    public const short Network = 3;

    /// <summary>The seed's paper codes (8 A3, 9 A4, 11 A5, 12 B4, 13 B5) and the other sizes by name.</summary>
    public static readonly IReadOnlyList<string> Papers = ["8", "9", "11", "12", "13", "A1", "A2", "A6", "A7", "A8", "B1", "B2", "B3", "B6", "B7", "B8"];

    /// <summary>1 one-sided, 21 two-sided flipping on the long edge, 22 on the short edge.</summary>
    public static readonly IReadOnlyList<int> DuplexModes = [1, 21, 22];

    public const int DefaultNetworkPort = 9100;

    private static readonly JsonSerializerOptions FileJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static PrinterConfig Initial { get; } = new(Local, "9", 1, null, null, null, HasPassword: false);

    /// <summary>The file terminals read, as UTF-8 JSON.</summary>
    public byte[] ToFile(string printerName) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        name = printerName,
        type = Type,
        type_name = Type switch { Shared => "shared", Network => "network", _ => "local" },
        paper = Paper,
        duplex_print = DuplexPrint,
        ip = Ip,
        accounts = Accounts,
        port = Port,
        has_password = HasPassword,
    }, FileJson);

    public string ToJson() => JsonSerializer.Serialize(this, FileJson);

    public static PrinterConfig FromJson(string json) =>
        json is "{}" or "" ? Initial : JsonSerializer.Deserialize<PrinterConfig>(json, FileJson) ?? Initial;

    private static readonly TextRule HostRule = new(253, NameCharactersOnly: true, AllowEmpty: true);
    private static readonly TextRule AccountsRule = new(128, NameCharactersOnly: false, AllowEmpty: true);
    private static readonly TextRule PasswordRule = new(256, NameCharactersOnly: false, AllowEmpty: true);

    /// <summary>The config fields <see cref="Read"/> reads; absent ones keep their value.</summary>
    public static IReadOnlyList<ApiField> Fields { get; } =
    [
        ApiField.Integer("type", Local, Network) with { Description = "1 local, 2 shared, 3 network" },
        ApiField.Scalar("paper") with { Description = $"one of {string.Join(", ", Papers)}" },
        ApiField.Integer("duplex_print", 1, 22) with { Description = "1 one-sided, 21 long edge, 22 short edge" },
        ApiField.Text("ip", HostRule) with { Description = "an IP address or host name; required for a shared or network printer" },
        ApiField.Text("accounts", AccountsRule),
        ApiField.Text("password", PasswordRule) with { Description = "\"\" removes it; never answered back" },
        ApiField.Integer("port", 1, 65535),
    ];

    /// <summary>
    /// Reads a config edit over <paramref name="current"/>: type switches keep only the fields the
    /// new type uses (local: paper and duplex; shared: + host ip, account, password; network: + ip, port).
    /// The password comes back separately: null = unchanged, "" = remove.
    /// </summary>
    /// <remarks>Its fields, for the API description, are <see cref="Fields"/>.</remarks>
    public static (PrinterConfig? Config, string? Password) Read(ApiRequest request, PrinterConfig current)
    {
        var type = (short?)request.Integer("type", Local, Network) ?? current.Type;
        var paper = request.Scalar("paper") ?? current.Paper;
        if (paper is not null && !Papers.Contains(paper, StringComparer.OrdinalIgnoreCase))
        {
            request.AddError("paper", $"must be one of {string.Join(", ", Papers)}");
        }
        var duplex = (int?)request.Integer("duplex_print", 1, 22) ?? current.DuplexPrint;
        if (duplex is { } d && !DuplexModes.Contains(d))
        {
            request.AddError("duplex_print", "must be 1 (one-sided), 21 (long edge) or 22 (short edge)");
        }
        var ip = request.Text("ip", HostRule) ?? (type == current.Type ? current.Ip : null);
        if (ip is { Length: > 0 } && !IPAddress.TryParse(ip, out _) && Uri.CheckHostName(ip) != UriHostNameType.Dns)
        {
            request.AddError("ip", "must be an IP address or a host name");
        }
        var accounts = request.Text("accounts", AccountsRule) ?? (type == Shared ? current.Accounts : null);
        var password = request.Has("password") ? request.Text("password", PasswordRule) : null;
        var port = (int?)request.Integer("port", 1, 65535) ?? (type == Network ? current.Port ?? DefaultNetworkPort : null);
        if (type != Local && string.IsNullOrEmpty(ip))
        {
            request.AddError("ip", type == Shared ? "is required for a shared printer (the sharing host)" : "is required for a network printer");
        }
        if (!request.IsValid)
        {
            return (null, null);
        }
        var keepsPassword = type == Shared && (password is { Length: > 0 } || (password is null && current.HasPassword && current.Type == Shared));
        if (type != Shared)
        {
            // A local or network printer has no account: a stored password goes.
            password = current.HasPassword ? "" : null;
        }
        return (new PrinterConfig(type, paper, duplex, string.IsNullOrEmpty(ip) ? null : ip,
            type == Shared && !string.IsNullOrEmpty(accounts) ? accounts : null,
            type == Network ? port : null, keepsPassword), password);
    }
}
