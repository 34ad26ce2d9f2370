using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Platform.Grpc.Generator;

internal static class GeneratorDiagnostics
{
    private const string Category = "Platform.Grpc.Generator";

    public static readonly DiagnosticDescriptor ParseError = new(
        "PGRPC001",
        "Invalid .proto file",
        "{0}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnresolvedType = new(
        "PGRPC002",
        "Unresolved rpc type",
        "\"{0}\" is not defined{1} (rpc {2}; types are looked up in the packages of every .proto AdditionalFile)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotAMessage = new(
        "PGRPC003",
        "rpc type is not a message",
        "\"{0}\" resolves to {1}, which is not a message type (rpc {2})",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateSymbol = new(
        "PGRPC004",
        "Symbol defined twice",
        "\"{0}\" is already defined in {1}; this definition is ignored",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateRpc = new(
        "PGRPC005",
        "rpc defined twice",
        "\"{0}\" is already defined in service {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    private static DiagnosticDescriptor ById(string id) => id switch
    {
        "PGRPC001" => ParseError,
        "PGRPC002" => UnresolvedType,
        "PGRPC003" => NotAMessage,
        "PGRPC004" => DuplicateSymbol,
        _ => DuplicateRpc,
    };

    public static DiagnosticInfo Info(DiagnosticDescriptor descriptor, string filePath, SourceRange range, params string[] arguments) =>
        new(descriptor.Id, filePath, range, arguments.ToEquatableArray());

    public static Diagnostic ToDiagnostic(DiagnosticInfo info)
    {
        var r = info.Range;
        var location = Location.Create(
            info.FilePath,
            new TextSpan(r.Start, r.Length),
            new LinePositionSpan(new LinePosition(r.StartLine, r.StartColumn), new LinePosition(r.EndLine, r.EndColumn)));
        return Diagnostic.Create(ById(info.Id), location, info.Arguments.Cast<object>().ToArray());
    }
}
