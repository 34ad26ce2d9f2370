using System.Text;

namespace Platform.Grpc.Generator;

/// <summary>
/// The C# names protoc's C# generator gives (protobuf src/google/protobuf/compiler/csharp/names.cc):
/// the file namespace, the reflection ("descriptor holder") class and message class names.
/// </summary>
internal static class ProtocNames
{
    /// <summary>
    /// protoc's UnderscoresToCamelCase: letters after '_', '.', a digit or any other
    /// non-letter are upper-cased; those characters are dropped except digits (and '.' when
    /// <paramref name="preservePeriod"/>); a first upper-case letter is lowered unless
    /// <paramref name="capNextLetter"/>; a leading "_" before a digit is kept.
    /// </summary>
    public static string UnderscoresToCamelCase(string input, bool capNextLetter, bool preservePeriod = false)
    {
        var result = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c is >= 'a' and <= 'z')
            {
                result.Append(capNextLetter ? (char)(c - 'a' + 'A') : c);
                capNextLetter = false;
            }
            else if (c is >= 'A' and <= 'Z')
            {
                result.Append(i == 0 && !capNextLetter ? (char)(c - 'A' + 'a') : c);
                capNextLetter = false;
            }
            else if (c is >= '0' and <= '9')
            {
                result.Append(c);
                capNextLetter = true;
            }
            else
            {
                capNextLetter = true;
                if (c == '.' && preservePeriod)
                {
                    result.Append('.');
                }
            }
        }

        if (input.Length > 0 && input[input.Length - 1] == '#')
        {
            result.Append('_');
        }

        if (result.Length > 0 && result[0] is >= '0' and <= '9' && input.Length > 0 && input[0] == '_')
        {
            result.Insert(0, '_');
        }

        return result.ToString();
    }

    public static string UnderscoresToPascalCase(string input) => UnderscoresToCamelCase(input, capNextLetter: true);

    /// <summary>GetFileNamespace: csharp_namespace if set (even empty), else the package in PascalCase per segment.</summary>
    public static string FileNamespace(string package, string? csharpNamespace) =>
        csharpNamespace ?? UnderscoresToCamelCase(package, capNextLetter: true, preservePeriod: true);

    /// <summary>GetFileNameBase: "google/protobuf/foo_bar.proto" → "FooBar" (last path segment, last extension stripped).</summary>
    public static string FileNameBase(string path)
    {
        var slash = path.LastIndexOfAny(['/', '\\']);
        var name = path.Substring(slash + 1);
        var dot = name.LastIndexOf('.');
        if (dot >= 0)
        {
            name = name.Substring(0, dot);
        }

        return UnderscoresToPascalCase(name);
    }

    /// <summary>GetReflectionClassUnqualifiedName: "&lt;FileNameBase&gt;Reflection", or the umbrella class name when given.</summary>
    public static string ReflectionClassName(string path, string? umbrellaClassName) =>
        string.IsNullOrEmpty(umbrellaClassName) ? FileNameBase(path) + "Reflection" : umbrellaClassName!;

    /// <summary>ToCSharpName: "global::Ns.Outer.Types.Inner" for the message "Outer.Inner" of a file with namespace Ns.</summary>
    public static string TypeName(string @namespace, string relativeName) =>
        "global::" + (@namespace.Length > 0 ? @namespace + "." : "") + relativeName.Replace(".", ".Types.");
}
