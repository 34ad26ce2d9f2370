using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Platform.Grpc.Generator;

/// <summary>
/// For every <c>.proto</c> AdditionalFile with services, generates <c>&lt;Namespace&gt;.&lt;FileBase&gt;.Grpc.g.cs</c>:
/// per service a static class with the <c>Method</c> fields, an abstract <c>…Base</c> for
/// servers, <c>BindService&lt;TService&gt;()</c> and a <c>…Client</c>, all over Platform.Grpc.
/// Message classes come from protoc (Grpc.Tools with GrpcServices="None") for the same files;
/// rpc types are resolved against the packages of all .proto AdditionalFiles.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ProtoServicesGenerator : IIncrementalGenerator
{
    private sealed record GenerationResult(EquatableArray<GeneratedSource> Sources, EquatableArray<DiagnosticInfo> Diagnostics);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Where(static text => text.Path.EndsWith(".proto", StringComparison.OrdinalIgnoreCase))
            .Select(static (text, cancellationToken) => ProtoParser.Parse(text.Path, text.GetText(cancellationToken)?.ToString()));

        var result = files.Collect().Select(static (all, _) => Generate(all));

        context.RegisterSourceOutput(result, static (spc, generation) =>
        {
            foreach (var diagnostic in generation.Diagnostics)
            {
                spc.ReportDiagnostic(GeneratorDiagnostics.ToDiagnostic(diagnostic));
            }

            foreach (var source in generation.Sources)
            {
                spc.AddSource(source.HintName!, SourceText.From(source.Text!, System.Text.Encoding.UTF8));
            }
        });
    }

    private static GenerationResult Generate(ImmutableArray<ProtoFile> all)
    {
        // The same file listed twice counts once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = all.Where(f => seen.Add(f.Path)).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();

        var diagnostics = new List<DiagnosticInfo>();
        foreach (var file in files)
        {
            diagnostics.AddRange(file.Diagnostics);
        }

        var table = SymbolTable.Build(files);
        diagnostics.AddRange(table.Diagnostics);

        var sources = new List<GeneratedSource>();
        var hintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            var generated = ServiceEmitter.Emit(file, table);
            diagnostics.AddRange(generated.Diagnostics);
            if (generated.HintName is null || generated.Text is null)
            {
                continue;
            }

            // Two files of one namespace with one base name would already clash in protoc's
            // output; keep the hint names unique regardless so the generator never throws.
            var hintName = generated.HintName;
            for (var n = 2; !hintNames.Add(hintName); n++)
            {
                hintName = generated.HintName.Substring(0, generated.HintName.Length - ".g.cs".Length) + "_" + n + ".g.cs";
            }

            sources.Add(generated with { HintName = hintName });
        }

        return new GenerationResult(sources.ToEquatableArray(), diagnostics.ToEquatableArray());
    }
}
