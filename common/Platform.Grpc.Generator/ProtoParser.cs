using System;
using System.Collections.Generic;
using System.Text;

namespace Platform.Grpc.Generator;

/// <summary>
/// Reads the parts of a .proto file the service generator needs: syntax, package, the C#
/// file options, the message and enum names (nested ones too, for type resolution) and the
/// services with their rpcs. Everything else (fields, oneofs, extensions, reserved ranges,
/// options with aggregate values) is skipped by balanced brackets, not interpreted.
/// </summary>
internal sealed class ProtoParser
{
    private readonly string _path;
    private readonly List<Token> _tokens;
    private int _index;

    private string _package = "";
    private bool _packageSeen;
    private string? _csharpNamespace;
    private string? _umbrellaClassName;
    private readonly List<ProtoTypeDeclaration> _types = [];
    private readonly List<ProtoService> _services = [];
    private readonly List<DiagnosticInfo> _diagnostics = [];

    private ProtoParser(string path, List<Token> tokens)
    {
        _path = path;
        _tokens = tokens;
    }

    public static ProtoFile Parse(string path, string? text)
    {
        if (text is null)
        {
            return new ProtoFile(
                path, "", null, null,
                EquatableArray<ProtoTypeDeclaration>.Empty,
                EquatableArray<ProtoService>.Empty,
                new[] { GeneratorDiagnostics.Info(GeneratorDiagnostics.ParseError, path, SourceRange.None, "The file could not be read") }.ToEquatableArray());
        }

        List<Token> tokens;
        try
        {
            tokens = ProtoTokenizer.Tokenize(text);
        }
        catch (ProtoSyntaxException e)
        {
            return new ProtoFile(
                path, "", null, null,
                EquatableArray<ProtoTypeDeclaration>.Empty,
                EquatableArray<ProtoService>.Empty,
                new[] { GeneratorDiagnostics.Info(GeneratorDiagnostics.ParseError, path, e.Range, e.Message) }.ToEquatableArray());
        }

        var parser = new ProtoParser(path, tokens);
        try
        {
            parser.ParseFile();
        }
        catch (ProtoSyntaxException e)
        {
            parser._diagnostics.Add(GeneratorDiagnostics.Info(GeneratorDiagnostics.ParseError, path, e.Range, e.Message));
        }

        return new ProtoFile(
            path,
            parser._package,
            parser._csharpNamespace,
            parser._umbrellaClassName,
            parser._types.ToEquatableArray(),
            parser._services.ToEquatableArray(),
            parser._diagnostics.ToEquatableArray());
    }

    private Token Current => _tokens[_index];

    private Token PeekAt(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private Token Next()
    {
        var token = _tokens[_index];
        if (_index < _tokens.Count - 1)
        {
            _index++;
        }

        return token;
    }

    private static ProtoSyntaxException Error(Token at, string message) => new(message, at.Range);

    private Token Expect(string symbolOrWord)
    {
        if (!Current.Is(symbolOrWord))
        {
            throw Error(Current, $"Expected \"{symbolOrWord}\", found {Current}");
        }

        return Next();
    }

    private Token ExpectIdentifier(string what)
    {
        if (Current.Kind != TokenKind.Identifier)
        {
            throw Error(Current, $"Expected {what}, found {Current}");
        }

        return Next();
    }

    private string ExpectString(string what)
    {
        if (Current.Kind != TokenKind.String)
        {
            throw Error(Current, $"Expected {what} (a string literal), found {Current}");
        }

        // Adjacent string literals concatenate, as in protoc.
        var sb = new StringBuilder(Next().Text);
        while (Current.Kind == TokenKind.String)
        {
            sb.Append(Next().Text);
        }

        return sb.ToString();
    }

    /// <summary>ident ("." ident)*</summary>
    private string ParseDottedName(string what)
    {
        var sb = new StringBuilder(ExpectIdentifier(what).Text);
        while (Current.Is("."))
        {
            Next();
            sb.Append('.').Append(ExpectIdentifier(what).Text);
        }

        return sb.ToString();
    }

    private void ParseFile()
    {
        if (Current.Is("syntax") || Current.Is("edition"))
        {
            var keyword = Next();
            Expect("=");
            var valueToken = Current;
            var value = ExpectString(keyword.Text == "syntax" ? "a syntax name" : "an edition");
            if (keyword.Text == "syntax" && value != "proto2" && value != "proto3")
            {
                throw Error(valueToken, $"Unrecognized syntax identifier \"{value}\": this parser recognizes \"proto2\" and \"proto3\"");
            }

            Expect(";");
        }

        while (Current.Kind != TokenKind.End)
        {
            var token = Current;
            if (token.Is(";"))
            {
                Next();
            }
            else if (token.Is("package"))
            {
                Next();
                if (_packageSeen)
                {
                    throw Error(token, "Multiple package definitions");
                }

                _packageSeen = true;
                _package = ParseDottedName("a package name");
                Expect(";");
            }
            else if (token.Is("import"))
            {
                Next();
                if (Current.Is("public") || Current.Is("weak"))
                {
                    Next();
                }

                ExpectString("a file name");
                Expect(";");
            }
            else if (token.Is("option"))
            {
                var (name, value) = ParseOption();
                if (name == "csharp_namespace")
                {
                    _csharpNamespace = value;
                }
                else if (name == "csharp_umbrella_classname")
                {
                    _umbrellaClassName = value;
                }
            }
            else if (token.Is("message"))
            {
                Next();
                var name = ExpectIdentifier("a message name");
                _types.Add(new ProtoTypeDeclaration(name.Text, true, name.Range));
                Expect("{");
                ParseMessageBody(name.Text + ".");
            }
            else if (token.Is("enum"))
            {
                Next();
                var name = ExpectIdentifier("an enum name");
                _types.Add(new ProtoTypeDeclaration(name.Text, false, name.Range));
                SkipBlock();
            }
            else if (token.Is("service"))
            {
                ParseService();
            }
            else if (token.Is("extend"))
            {
                Next();
                SkipStatement();
            }
            else
            {
                throw Error(token, $"Expected a top-level statement (message, enum, service, option, import, package), found {token}");
            }
        }
    }

    /// <summary>"option" name "=" constant ";" — returns the name as written and a string/identifier value (null otherwise).</summary>
    private (string Name, string? Value) ParseOption()
    {
        Expect("option");
        var name = new StringBuilder();
        while (!Current.Is("="))
        {
            if (Current.Kind == TokenKind.End || Current.Is(";") || Current.Is("{") || Current.Is("}"))
            {
                throw Error(Current, $"Expected \"=\" in option, found {Current}");
            }

            name.Append(Next().Text);
        }

        Expect("=");
        string? value = null;
        if (Current.Kind == TokenKind.String)
        {
            value = ExpectString("an option value");
        }
        else if (Current.Is("{"))
        {
            SkipBalanced();
        }
        else
        {
            if (Current.Is("-") || Current.Is("+"))
            {
                Next();
            }

            if (Current.Kind != TokenKind.Identifier && Current.Kind != TokenKind.Number)
            {
                throw Error(Current, $"Expected an option value, found {Current}");
            }

            value = Next().Text;
        }

        Expect(";");
        return (name.ToString(), value);
    }

    /// <summary>After "{" of a message: records nested messages, enums and groups; skips the rest.</summary>
    private void ParseMessageBody(string prefix)
    {
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.End)
            {
                throw Error(token, "Reached end of input in message definition (missing '}')");
            }

            if (token.Is("}"))
            {
                Next();
                return;
            }

            if ((token.Is("message") || token.Is("enum")) && PeekAt(1).Kind == TokenKind.Identifier && PeekAt(2).Is("{"))
            {
                Next();
                var name = Next();
                _types.Add(new ProtoTypeDeclaration(prefix + name.Text, token.Text == "message", name.Range));
                if (token.Text == "message")
                {
                    Next();
                    ParseMessageBody(prefix + name.Text + ".");
                }
                else
                {
                    SkipBlock();
                }

                continue;
            }

            // proto2 group: [label] group Name = N [options] { fields }
            var groupAt = token.Is("optional") || token.Is("required") || token.Is("repeated") ? 1 : 0;
            if (PeekAt(groupAt).Is("group") && PeekAt(groupAt + 1).Kind == TokenKind.Identifier && PeekAt(groupAt + 2).Is("="))
            {
                for (var i = 0; i <= groupAt; i++)
                {
                    Next();
                }

                var name = Next();
                _types.Add(new ProtoTypeDeclaration(prefix + name.Text, true, name.Range));
                while (!Current.Is("{"))
                {
                    if (Current.Kind == TokenKind.End || Current.Is(";"))
                    {
                        throw Error(Current, $"Expected \"{{\" after group {name.Text}, found {Current}");
                    }

                    if (Current.Is("["))
                    {
                        SkipBalanced();
                    }
                    else
                    {
                        Next();
                    }
                }

                Next();
                ParseMessageBody(prefix + name.Text + ".");
                continue;
            }

            SkipStatement();
        }
    }

    private void ParseService()
    {
        var keyword = Expect("service");
        var name = ExpectIdentifier("a service name");
        Expect("{");
        var rpcs = new List<ProtoRpc>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var deprecated = false;
        while (!Current.Is("}"))
        {
            var token = Current;
            if (token.Kind == TokenKind.End)
            {
                throw Error(token, $"Reached end of input in service {name.Text} (missing '}}')");
            }

            if (token.Is(";"))
            {
                Next();
            }
            else if (token.Is("option"))
            {
                var (option, value) = ParseOption();
                deprecated |= option == "deprecated" && value == "true";
            }
            else if (token.Is("rpc"))
            {
                var rpc = ParseRpc();
                if (!names.Add(rpc.Name))
                {
                    _diagnostics.Add(GeneratorDiagnostics.Info(GeneratorDiagnostics.DuplicateRpc, _path, rpc.NameRange, rpc.Name, name.Text));
                }
                else
                {
                    rpcs.Add(rpc);
                }
            }
            else
            {
                throw Error(token, $"Expected \"rpc\", \"option\" or \"}}\" in service {name.Text}, found {token}");
            }
        }

        Next();
        _services.Add(new ProtoService(name.Text, name.Range, deprecated, keyword.LeadingComment, rpcs.ToEquatableArray()));
    }

    private ProtoRpc ParseRpc()
    {
        var keyword = Expect("rpc");
        var name = ExpectIdentifier("an rpc name");
        Expect("(");
        var clientStreaming = ParseStreamKeyword();
        var input = ParseTypeReference();
        Expect(")");
        Expect("returns");
        Expect("(");
        var serverStreaming = ParseStreamKeyword();
        var output = ParseTypeReference();
        Expect(")");
        var deprecated = false;
        if (Current.Is("{"))
        {
            Next();
            while (!Current.Is("}"))
            {
                if (Current.Kind == TokenKind.End)
                {
                    throw Error(Current, $"Reached end of input in rpc {name.Text} (missing '}}')");
                }

                if (Current.Is(";"))
                {
                    Next();
                    continue;
                }

                if (!Current.Is("option"))
                {
                    throw Error(Current, $"Expected \"option\" or \"}}\" in rpc {name.Text}, found {Current}");
                }

                var (option, value) = ParseOption();
                deprecated |= option == "deprecated" && value == "true";
            }

            Next();
        }
        else
        {
            Expect(";");
        }

        return new ProtoRpc(name.Text, name.Range, input, clientStreaming, output, serverStreaming, deprecated, keyword.LeadingComment);
    }

    /// <summary>"stream" is a keyword only when a type follows it: <c>(stream)</c> names a message called stream.</summary>
    private bool ParseStreamKeyword()
    {
        if (Current.Is("stream") && (PeekAt(1).Kind == TokenKind.Identifier || PeekAt(1).Is(".")))
        {
            Next();
            return true;
        }

        return false;
    }

    private ProtoTypeReference ParseTypeReference()
    {
        var first = Current;
        var sb = new StringBuilder();
        if (Current.Is("."))
        {
            sb.Append('.');
            Next();
        }

        sb.Append(ParseDottedName("a message type"));
        var last = _tokens[_index - 1];
        return new ProtoTypeReference(
            sb.ToString(),
            new SourceRange(first.Start, last.End - first.Start, first.Line, first.Column, last.EndLine, last.EndColumn));
    }

    /// <summary>Skips "{ ... }" starting at the current "{" token.</summary>
    private void SkipBlock()
    {
        if (!Current.Is("{"))
        {
            throw Error(Current, $"Expected \"{{\", found {Current}");
        }

        SkipBalanced();
    }

    /// <summary>Skips one bracketed group ({}, [], (), &lt;&gt; not included) starting at its opening token.</summary>
    private void SkipBalanced()
    {
        var stack = new Stack<Token>();
        do
        {
            var token = Next();
            if (token.Kind == TokenKind.End)
            {
                var open = stack.Count > 0 ? stack.Peek() : token;
                throw Error(open, $"Reached end of input looking for the match of \"{open.Text}\"");
            }

            if (token.Kind != TokenKind.Symbol)
            {
                continue;
            }

            switch (token.Text)
            {
                case "{" or "[" or "(":
                    stack.Push(token);
                    break;
                case "}" or "]" or ")":
                    var expected = stack.Count == 0 ? null : Closing(stack.Peek().Text);
                    if (expected != token.Text)
                    {
                        throw Error(token, $"Unexpected \"{token.Text}\"");
                    }

                    stack.Pop();
                    break;
            }
        }
        while (stack.Count > 0);
    }

    private static string Closing(string open) => open switch
    {
        "{" => "}",
        "[" => "]",
        _ => ")",
    };

    /// <summary>
    /// Skips a statement: up to and including its ";" or, for statements with a block
    /// (oneof, extend, nested options), its closing "}".
    /// </summary>
    private void SkipStatement()
    {
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.End)
            {
                throw Error(token, "Reached end of input in a statement (missing ';')");
            }

            if (token.Is(";"))
            {
                Next();
                return;
            }

            if (token.Is("}") || token.Is("]") || token.Is(")"))
            {
                throw Error(token, $"Unexpected \"{token.Text}\"");
            }

            if (token.Is("{"))
            {
                SkipBalanced();
                return;
            }

            if (token.Is("[") || token.Is("("))
            {
                SkipBalanced();
                continue;
            }

            Next();
        }
    }
}
