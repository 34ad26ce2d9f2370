using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using Platform.Controller.Idempotency;

namespace Platform.Tests.Unit.Controller;

/// <summary>The Idempotency-Key rule, what makes two requests the same one, and the options.</summary>
public class IdempotencyKeyTests
{
    [Test]
    public void Absent_header_is_no_key_and_no_problem() =>
        Assert.That(IdempotencyKeys.Read(StringValues.Empty), Is.EqualTo(((string?)null, (Platform.Controller.Api.FieldError?)null)));

    [TestCase("a")]
    [TestCase("8e03978e-40d5-43e8-bc93-6894a57f9324")]
    [TestCase("with space and ~!@#$%^&*()")]
    public void Printable_ascii_keys_are_accepted_as_sent(string key)
    {
        var (read, problem) = IdempotencyKeys.Read(key);
        Assert.That((read, problem), Is.EqualTo((key, (Platform.Controller.Api.FieldError?)null)));
    }

    [Test]
    public void The_structured_field_spelling_is_the_same_key() =>
        Assert.That(IdempotencyKeys.Read("\"8e03978e\"").Key, Is.EqualTo("8e03978e"));

    [Test]
    public void The_longest_key_is_255_characters()
    {
        Assert.That(IdempotencyKeys.Read(new string('k', 255)).Key, Has.Length.EqualTo(255));
        var (key, problem) = IdempotencyKeys.Read(new string('k', 256));
        Assert.That(key, Is.Null);
        Assert.That(problem!.Field, Is.EqualTo("Idempotency-Key"));
        Assert.That(problem.Message, Does.Contain("256 characters").And.Contain("1 to 255 printable ASCII"));
    }

    [TestCase("", "0 characters")]
    [TestCase("\"\"", "0 characters")]
    [TestCase("tab\there", "U+0009")]
    [TestCase("del\u007f", "U+007F")]
    [TestCase("caf\u00e9", "U+00E9")]
    [TestCase("nul\0", "U+0000")]
    public void Other_keys_are_refused_with_the_field_and_the_reason(string sent, string reason)
    {
        var (key, problem) = IdempotencyKeys.Read(sent);
        Assert.That(key, Is.Null);
        Assert.That(problem!.Field, Is.EqualTo(IdempotencyKeys.Header));
        Assert.That(problem.Message, Does.Contain(reason));
    }

    [Test]
    public void A_key_given_twice_is_refused()
    {
        var (key, problem) = IdempotencyKeys.Read(new StringValues(["a", "a"]));
        Assert.That(key, Is.Null);
        Assert.That(problem!.Message, Does.Contain("given 2 times"));
    }

    [Test]
    public void The_request_line_and_media_type_make_the_head()
    {
        var head = RequestFingerprint.Head("POST", "/api/v1/volume/create", "", "application/json");
        Assert.That(RequestFingerprint.Head("post", "/api/v1/volume/create", "", "application/json; charset=utf-8"), Is.EqualTo(head), "method case and media type parameters do not count");
        Assert.That(RequestFingerprint.Head("PUT", "/api/v1/volume/create", "", "application/json"), Is.Not.EqualTo(head));
        Assert.That(RequestFingerprint.Head("POST", "/api/v1/volume/delete", "", "application/json"), Is.Not.EqualTo(head));
        Assert.That(RequestFingerprint.Head("POST", "/api/v1/volume/create", "?a=1", "application/json"), Is.Not.EqualTo(head));
        Assert.That(RequestFingerprint.Head("POST", "/api/v1/volume/create", "", "application/x-www-form-urlencoded"), Is.Not.EqualTo(head));
        Assert.That(RequestFingerprint.Head("POST", "/api/v1/volume/create", "", null), Is.Not.EqualTo(head));
        Assert.That(RequestFingerprint.Head("POST", "/thor/voi/driver/upload", "", "multipart/form-data; boundary=one"),
            Is.EqualTo(RequestFingerprint.Head("POST", "/thor/voi/driver/upload", "", "multipart/form-data; boundary=\"two\"")), "the boundary does not count");
    }

    [Test]
    public void Credentials_make_the_scope()
    {
        Assert.That(RequestFingerprint.Scope(null), Is.Empty);
        Assert.That(RequestFingerprint.Scope(""), Is.Empty);
        var first = RequestFingerprint.Scope("Bearer one");
        Assert.That(first, Has.Length.EqualTo(64).And.Not.Contain("one"), "a hash, not the token");
        Assert.That(RequestFingerprint.Scope("Bearer two"), Is.Not.EqualTo(first));
        Assert.That(RequestFingerprint.Scope("Bearer one"), Is.EqualTo(first));
    }

    [TestCase("multipart/form-data; boundary=----abc", "----abc")]
    [TestCase("multipart/form-data; boundary=\"a b\"", "a b")]
    [TestCase("application/json", null)]
    [TestCase("application/octet-stream", null)]
    [TestCase(null, null)]
    public void Only_multipart_bodies_have_a_boundary(string? contentType, string? boundary) =>
        Assert.That(RequestFingerprint.BoundaryOf(contentType), Is.EqualTo(boundary));

    [Test]
    public void Without_a_boundary_the_body_hash_is_the_sha256_of_the_bytes()
    {
        var body = RandomBytes(100_000, seed: 1);
        using var hasher = new BodyHasher(null);
        foreach (var piece in Pieces(body, seed: 2))
        {
            hasher.Append(piece);
        }
        Assert.That(hasher.Complete(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(body))));
        Assert.That(hasher.Bytes, Is.EqualTo(body.Length));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(40)]
    [TestCase(4096)]
    public void Multipart_bodies_hash_the_same_in_pieces_of_any_size_and_whatever_their_boundary(int maxPiece)
    {
        var content = RandomBytes(20_000, seed: 3);
        var first = Multipart("------------------------d74496d66958873e", content);
        var second = Multipart("----WebKitFormBoundary7MA4YWxkTrZu0gW", content);
        var expected = Reference(first, "------------------------d74496d66958873e");
        Assert.That(HashInPieces(first, "------------------------d74496d66958873e", maxPiece), Is.EqualTo(expected));
        Assert.That(HashInPieces(second, "----WebKitFormBoundary7MA4YWxkTrZu0gW", maxPiece), Is.EqualTo(expected), "another boundary, the same request");
        content[12_345] ^= 1;
        Assert.That(HashInPieces(Multipart("------------------------d74496d66958873e", content), "------------------------d74496d66958873e", maxPiece),
            Is.Not.EqualTo(expected), "one bit of the file differs");
    }

    [Test]
    public void Boundaries_straddling_every_piece_edge_are_left_out()
    {
        // Runs of the boundary's own characters, so that partial matches abound.
        const string boundary = "abab";
        var body = Encoding.ASCII.GetBytes("aababababbabaabababab-ab-abab--aba");
        var expected = Reference(body, boundary);
        for (var seed = 0; seed < 200; seed++)
        {
            using var hasher = new BodyHasher(boundary);
            foreach (var piece in Pieces(body, seed, maxPiece: 5))
            {
                hasher.Append(piece);
            }
            Assert.That(hasher.Complete(), Is.EqualTo(expected), $"pieces of seed {seed}");
        }
    }

    [Test]
    public async Task The_body_reads_through_unchanged_and_is_hashed_at_its_end()
    {
        var bytes = RandomBytes(300_000, seed: 5);
        await using var body = new FingerprintedBody(new MemoryStream(bytes), null);
        var copy = new MemoryStream();
        var buffer = new byte[7_000];
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
            Assert.That(body.Hash, Is.Null, "no hash before the end");
        }
        Assert.That(copy.ToArray(), Is.EqualTo(bytes));
        Assert.That(body.Hash, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(bytes))));
    }

    [Test]
    public async Task Draining_stops_past_the_limit_without_a_hash()
    {
        await using var longer = new FingerprintedBody(new MemoryStream(RandomBytes(200_000, seed: 6)), null);
        Assert.That(await longer.DrainAsync(100_000, CancellationToken.None), Is.False);
        Assert.That(longer.Hash, Is.Null);
        Assert.That(longer.Bytes, Is.LessThan(200_000), "read no further than a buffer past the limit");
        await using var within = new FingerprintedBody(new MemoryStream(RandomBytes(100_000, seed: 6)), null);
        Assert.That(await within.DrainAsync(100_000, CancellationToken.None), Is.True);
        Assert.That(within.Hash, Is.Not.Null);
    }

    [Test]
    public void The_default_options_are_valid_and_nonsense_is_refused()
    {
        var validation = new IdempotencyOptionsValidation();
        Assert.That(validation.Validate(null, new IdempotencyOptions()).Succeeded, Is.True);
        var bad = validation.Validate(null, new IdempotencyOptions
        {
            Retention = TimeSpan.FromSeconds(10),
            InProgressLease = TimeSpan.FromMinutes(1),
            CleanupInterval = TimeSpan.Zero,
            MaxKeptAnswerBytes = 10,
        });
        Assert.That(bad.Failed, Is.True);
        Assert.That(bad.Failures, Has.Some.Contains("Idempotency:Retention (00:00:10) must be longer than Idempotency:InProgressLease"));
        Assert.That(bad.Failures, Has.Some.Contains("Idempotency:CleanupInterval must be between"));
        Assert.That(bad.Failures, Has.Some.Contains("Idempotency:MaxKeptAnswerBytes"));
    }

    private static string HashInPieces(byte[] body, string boundary, int maxPiece)
    {
        using var hasher = new BodyHasher(boundary);
        foreach (var piece in Pieces(body, seed: maxPiece, maxPiece))
        {
            hasher.Append(piece);
        }
        return hasher.Complete();
    }

    /// <summary>The hash the boundary-blind hasher must give: every occurrence of the boundary (leftmost first) cut out, then SHA-256.</summary>
    private static string Reference(byte[] body, string boundary) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(body).Replace(boundary, "", StringComparison.Ordinal))));

    private static byte[] Multipart(string boundary, byte[] file)
    {
        var body = new MemoryStream();
        void Text(string text) => body.Write(Encoding.ASCII.GetBytes(text));
        Text($"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\ndriver\r\n");
        Text($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.iso\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.Write(file);
        Text($"\r\n--{boundary}--\r\n");
        return body.ToArray();
    }

    private static IEnumerable<byte[]> Pieces(byte[] body, int seed, int maxPiece = 9000)
    {
        var random = new Random(seed);
        for (var at = 0; at < body.Length;)
        {
            var length = Math.Min(random.Next(1, maxPiece + 1), body.Length - at);
            yield return body[at..(at + length)];
            at += length;
        }
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
