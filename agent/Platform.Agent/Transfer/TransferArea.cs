using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Platform.Agent.Transfer;

/// <summary>The directory of transferred files. Names are plain file names, never paths.</summary>
internal sealed partial class TransferArea
{
    public TransferArea(IOptions<TransferOptions> options)
    {
        Root = Path.GetFullPath(options.Value.Directory);
        ChunkSize = options.Value.ChunkSize;
        MaxUploadBytes = options.Value.MaxUploadBytes;
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public int ChunkSize { get; }

    /// <summary>The largest upload accepted (<see cref="TransferOptions.MaxUploadBytes"/>).</summary>
    public long MaxUploadBytes { get; }

    /// <summary>Why <paramref name="name"/> cannot name a file here, or null when it can.</summary>
    public static string? NameProblem(string name) => name switch
    {
        "" => "is required",
        { Length: > 200 } => "is longer than 200 characters",
        _ when !SafeName().IsMatch(name) => "may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit",
        _ when name.Contains("..", StringComparison.Ordinal) => "must not contain '..'",
        _ => null,
    };

    /// <summary>The path of a name that passed <see cref="NameProblem"/>.</summary>
    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Where an upload is written until it is complete and verified; the final name appears only then.</summary>
    public string PartialPathOf(string name) => Path.Combine(Root, $".partial-{Guid.NewGuid():N}-{name}");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex SafeName();
}
