namespace Platform.Grpc.Generator;

/// <summary>Where something is in a .proto file (0-based lines and columns).</summary>
internal sealed record SourceRange(int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static readonly SourceRange None = new(0, 0, 0, 0, 0, 0);
}

/// <summary>A diagnostic kept as plain data (a Location is not value-comparable across runs).</summary>
internal sealed record DiagnosticInfo(string Id, string FilePath, SourceRange Range, EquatableArray<string> Arguments);

/// <summary>A message or enum declared in a file; <see cref="RelativeName"/> is "Outer.Inner" without the package.</summary>
internal sealed record ProtoTypeDeclaration(string RelativeName, bool IsMessage, SourceRange Range);

/// <summary>A type as written in an rpc signature, e.g. "Foo", "pkg.Foo", ".pkg.Foo".</summary>
internal sealed record ProtoTypeReference(string Name, SourceRange Range);

internal sealed record ProtoRpc(
    string Name,
    SourceRange NameRange,
    ProtoTypeReference Input,
    bool ClientStreaming,
    ProtoTypeReference Output,
    bool ServerStreaming,
    bool Deprecated,
    string? Comment);

internal sealed record ProtoService(string Name, SourceRange NameRange, bool Deprecated, string? Comment, EquatableArray<ProtoRpc> Rpcs);

/// <summary>What the generator needs of one .proto file.</summary>
internal sealed record ProtoFile(
    string Path,
    string Package,
    string? CSharpNamespace,
    string? UmbrellaClassName,
    EquatableArray<ProtoTypeDeclaration> Types,
    EquatableArray<ProtoService> Services,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>One generated source file, or none, and what to report.</summary>
internal sealed record GeneratedSource(string? HintName, string? Text, EquatableArray<DiagnosticInfo> Diagnostics);
