using System.Collections.Generic;

namespace Platform.Grpc.Generator;

internal enum SymbolKind
{
    Package,
    Message,
    Enum,
    Service,
}

internal sealed record ProtoSymbol(string FullName, SymbolKind Kind, string CSharpName, string FilePath)
{
    public bool IsType => Kind is SymbolKind.Message or SymbolKind.Enum;

    public string Describe() => Kind switch
    {
        SymbolKind.Package => "the package " + FullName,
        SymbolKind.Enum => "the enum " + FullName,
        SymbolKind.Service => "the service " + FullName,
        _ => "the message " + FullName,
    };
}

/// <summary>
/// Every package, message, enum and service of all the .proto AdditionalFiles, by full name,
/// looked up with protoc's scoping rules (DescriptorBuilder::LookupSymbolNoPlaceholder).
/// The well-known types of google/protobuf/*.proto are known even when no file defines them.
/// </summary>
internal sealed class SymbolTable
{
    private static readonly string[] WellKnownMessages =
    [
        "Any", "Api", "Method", "Mixin", "BoolValue", "BytesValue", "DoubleValue", "Duration", "Empty",
        "Field", "FieldMask", "FloatValue", "Int32Value", "Int64Value", "ListValue", "Option",
        "SourceContext", "StringValue", "Struct", "Timestamp", "Type", "UInt32Value", "UInt64Value", "Value",
    ];

    private readonly Dictionary<string, ProtoSymbol> _symbols = new(System.StringComparer.Ordinal);

    public List<DiagnosticInfo> Diagnostics { get; } = [];

    public static SymbolTable Build(IEnumerable<ProtoFile> files)
    {
        var table = new SymbolTable();
        foreach (var file in files)
        {
            var ns = ProtocNames.FileNamespace(file.Package, file.CSharpNamespace);
            if (file.Package.Length > 0)
            {
                var parts = file.Package.Split('.');
                var prefix = "";
                foreach (var part in parts)
                {
                    prefix = prefix.Length == 0 ? part : prefix + "." + part;
                    table.Add(new ProtoSymbol(prefix, SymbolKind.Package, "", file.Path), SourceRange.None);
                }
            }

            var scope = file.Package.Length > 0 ? file.Package + "." : "";
            foreach (var type in file.Types)
            {
                var kind = type.IsMessage ? SymbolKind.Message : SymbolKind.Enum;
                table.Add(new ProtoSymbol(scope + type.RelativeName, kind, ProtocNames.TypeName(ns, type.RelativeName), file.Path), type.Range);
            }

            foreach (var service in file.Services)
            {
                table.Add(new ProtoSymbol(scope + service.Name, SymbolKind.Service, "", file.Path), service.NameRange);
            }
        }

        foreach (var package in new[] { "google", "google.protobuf" })
        {
            if (!table._symbols.ContainsKey(package))
            {
                table._symbols[package] = new ProtoSymbol(package, SymbolKind.Package, "", "(well-known types)");
            }
        }

        foreach (var name in WellKnownMessages)
        {
            var fullName = "google.protobuf." + name;
            if (!table._symbols.ContainsKey(fullName) && table._symbols.TryGetValue("google.protobuf", out var package) && package.Kind == SymbolKind.Package)
            {
                table._symbols[fullName] = new ProtoSymbol(fullName, SymbolKind.Message, "global::Google.Protobuf.WellKnownTypes." + name, "(well-known types)");
            }
        }

        return table;
    }

    private void Add(ProtoSymbol symbol, SourceRange range)
    {
        if (!_symbols.TryGetValue(symbol.FullName, out var existing))
        {
            _symbols[symbol.FullName] = symbol;
            return;
        }

        if (existing.Kind == SymbolKind.Package && symbol.Kind == SymbolKind.Package)
        {
            return;
        }

        Diagnostics.Add(GeneratorDiagnostics.Info(GeneratorDiagnostics.DuplicateSymbol, symbol.FilePath, range, symbol.FullName, existing.FilePath));
    }

    private ProtoSymbol? Find(string fullName) => _symbols.TryGetValue(fullName, out var symbol) ? symbol : null;

    /// <summary>
    /// Resolves a type name as written in an rpc of <paramref name="relativeTo"/> (the rpc's full
    /// name): ".a.B" is absolute; otherwise the first component is looked up from the innermost
    /// scope outwards, and once found the rest must be inside it.
    /// </summary>
    /// <returns>The symbol, or null with <paramref name="resolvedTo"/> set when a partial match pinned the name.</returns>
    public ProtoSymbol? Resolve(string name, string relativeTo, out string? resolvedTo)
    {
        resolvedTo = null;
        if (name.StartsWith(".", System.StringComparison.Ordinal))
        {
            return Find(name.Substring(1));
        }

        var firstDot = name.IndexOf('.');
        var firstPart = firstDot < 0 ? name : name.Substring(0, firstDot);
        var scope = relativeTo;
        while (true)
        {
            var dot = scope.LastIndexOf('.');
            if (dot < 0)
            {
                return Find(name);
            }

            scope = scope.Substring(0, dot);
            var found = Find(scope + "." + firstPart);
            if (found is null)
            {
                continue;
            }

            if (firstDot >= 0)
            {
                // Every symbol this table holds is an aggregate (fields and methods are not
                // kept), so the rest of the name must be found inside it.
                var full = scope + "." + name;
                var result = Find(full);
                if (result is null)
                {
                    resolvedTo = full;
                }

                return result;
            }

            if (found.IsType)
            {
                return found;
            }
        }
    }
}
