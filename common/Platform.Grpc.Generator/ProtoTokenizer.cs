using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Platform.Grpc.Generator;

internal enum TokenKind
{
    Identifier,
    Number,
    String,
    Symbol,
    End,
}

/// <summary>
/// One token of a .proto file. <see cref="Text"/> is the decoded value for strings.
/// <see cref="LeadingComment"/> is the comment block right above the token (no blank line
/// between), protoc's notion of a leading comment.
/// </summary>
internal sealed class Token(TokenKind kind, string text, int start, int end, int line, int column, int endLine, int endColumn, string? leadingComment)
{
    public TokenKind Kind { get; } = kind;
    public string Text { get; } = text;
    public int Start { get; } = start;
    public int End { get; } = end;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public int EndLine { get; } = endLine;
    public int EndColumn { get; } = endColumn;
    public string? LeadingComment { get; } = leadingComment;

    public SourceRange Range => new(Start, End - Start, Line, Column, EndLine, EndColumn);

    public bool Is(string symbolOrWord) => (Kind == TokenKind.Symbol || Kind == TokenKind.Identifier) && Text == symbolOrWord;

    public override string ToString() => Kind switch
    {
        TokenKind.End => "end of file",
        TokenKind.String => "string literal",
        _ => "\"" + Text + "\"",
    };
}

internal sealed class ProtoSyntaxException(string message, SourceRange range) : Exception(message)
{
    public SourceRange Range { get; } = range;
}

/// <summary>Splits .proto text into tokens; comments are dropped but remembered as leading comments.</summary>
internal static class ProtoTokenizer
{
    private sealed class Comment(string text, int endLine)
    {
        public int EndLine { get; set; } = endLine;
        public StringBuilder Lines { get; } = new(text);
    }

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var pos = 0;
        var line = 0;
        var lineStart = 0;
        var previousTokenEndLine = -1;
        Comment? pending = null;

        SourceRange RangeAt(int start, int length) =>
            new(start, length, line, start - lineStart, line, start - lineStart + length);

        while (true)
        {
            // Whitespace and comments.
            while (pos < text.Length)
            {
                var c = text[pos];
                if (c == '\n')
                {
                    pos++;
                    line++;
                    lineStart = pos;
                }
                else if (c is ' ' or '\t' or '\r' or '\f' or '\v')
                {
                    pos++;
                }
                else if (c == '/' && pos + 1 < text.Length && text[pos + 1] == '/')
                {
                    var end = text.IndexOf('\n', pos);
                    if (end < 0)
                    {
                        end = text.Length;
                    }

                    var body = StripLineComment(text.Substring(pos + 2, end - pos - 2));
                    if (line == previousTokenEndLine)
                    {
                        // A trailing comment of the previous token.
                        pending = null;
                    }
                    else if (pending is not null && pending.EndLine == line - 1)
                    {
                        pending.Lines.Append('\n').Append(body);
                        pending.EndLine = line;
                    }
                    else
                    {
                        pending = new Comment(body, line);
                    }

                    pos = end;
                }
                else if (c == '/' && pos + 1 < text.Length && text[pos + 1] == '*')
                {
                    var startLine = line;
                    var startColumn = pos - lineStart;
                    var end = text.IndexOf("*/", pos + 2, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        throw new ProtoSyntaxException("Unterminated block comment", new SourceRange(pos, 2, startLine, startColumn, startLine, startColumn + 2));
                    }

                    var body = text.Substring(pos + 2, end - pos - 2);
                    for (var i = pos; i < end; i++)
                    {
                        if (text[i] == '\n')
                        {
                            line++;
                            lineStart = i + 1;
                        }
                    }

                    pos = end + 2;
                    pending = startLine == previousTokenEndLine ? null : new Comment(StripBlockComment(body), line);
                }
                else
                {
                    break;
                }
            }

            if (pos >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", pos, pos, line, pos - lineStart, line, pos - lineStart, null));
                return tokens;
            }

            var leading = pending is not null && pending.EndLine >= line - 1 ? pending.Lines.ToString() : null;
            pending = null;

            var startPos = pos;
            var ch = text[pos];
            TokenKind kind;
            string value;
            if (IsLetter(ch))
            {
                while (pos < text.Length && (IsLetter(text[pos]) || IsDigit(text[pos])))
                {
                    pos++;
                }

                kind = TokenKind.Identifier;
                value = text.Substring(startPos, pos - startPos);
            }
            else if (IsDigit(ch) || (ch == '.' && pos + 1 < text.Length && IsDigit(text[pos + 1])))
            {
                pos++;
                while (pos < text.Length)
                {
                    var d = text[pos];
                    if (IsLetter(d) || IsDigit(d) || d == '.')
                    {
                        pos++;
                    }
                    else if ((d == '+' || d == '-') && (text[pos - 1] == 'e' || text[pos - 1] == 'E') && !IsHexLiteral(text, startPos))
                    {
                        pos++;
                    }
                    else
                    {
                        break;
                    }
                }

                kind = TokenKind.Number;
                value = text.Substring(startPos, pos - startPos);
            }
            else if (ch is '"' or '\'')
            {
                value = ReadString(text, ref pos, RangeAt(startPos, 1));
                kind = TokenKind.String;
            }
            else
            {
                pos++;
                kind = TokenKind.Symbol;
                value = ch.ToString();
            }

            var column = startPos - lineStart;
            tokens.Add(new Token(kind, value, startPos, pos, line, column, line, pos - lineStart, leading));
            previousTokenEndLine = line;
        }
    }

    private static bool IsLetter(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static bool IsHexLiteral(string text, int start) =>
        start + 1 < text.Length && text[start] == '0' && (text[start + 1] == 'x' || text[start + 1] == 'X');

    private static string StripLineComment(string body)
    {
        body = body.TrimEnd('\r');
        return body.StartsWith(" ", StringComparison.Ordinal) ? body.Substring(1) : body;
    }

    private static string StripBlockComment(string body)
    {
        var lines = body.Replace("\r", "").Split('\n');
        var result = new List<string>();
        foreach (var raw in lines)
        {
            var l = raw.TrimStart();
            if (l.StartsWith("*", StringComparison.Ordinal))
            {
                l = l.Substring(1);
            }

            result.Add(l.StartsWith(" ", StringComparison.Ordinal) ? l.Substring(1) : l);
        }

        while (result.Count > 0 && result[0].Trim().Length == 0)
        {
            result.RemoveAt(0);
        }

        while (result.Count > 0 && result[result.Count - 1].Trim().Length == 0)
        {
            result.RemoveAt(result.Count - 1);
        }

        return string.Join("\n", result);
    }

    private static string ReadString(string text, ref int pos, SourceRange startRange)
    {
        var quote = text[pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= text.Length || text[pos] == '\n')
            {
                throw new ProtoSyntaxException("Unterminated string literal", startRange);
            }

            var c = text[pos++];
            if (c == quote)
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (pos >= text.Length)
            {
                throw new ProtoSyntaxException("Unterminated string literal", startRange);
            }

            var e = text[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case 'x' or 'X':
                {
                    var digits = 0;
                    var value = 0;
                    while (digits < 2 && pos < text.Length && Uri.IsHexDigit(text[pos]))
                    {
                        value = (value * 16) + int.Parse(text[pos].ToString(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                        pos++;
                        digits++;
                    }

                    sb.Append((char)value);
                    break;
                }

                case >= '0' and <= '7':
                {
                    var value = e - '0';
                    var digits = 1;
                    while (digits < 3 && pos < text.Length && text[pos] is >= '0' and <= '7')
                    {
                        value = (value * 8) + (text[pos] - '0');
                        pos++;
                        digits++;
                    }

                    sb.Append((char)value);
                    break;
                }

                default: sb.Append(e); break;
            }
        }
    }
}
