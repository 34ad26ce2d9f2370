using System.Buffers;
using System.IO.Pipelines;
using Grpc.Health.V1;
using Platform.Grpc;
using Platform.Grpc.Protocol;

namespace Platform.Tests.Unit.Grpc;

public class MessageFramingTests
{
    private static readonly HealthCheckRequest Sample = new() { Service = "platform.agent.v1.HostService" };

    [Test]
    public async Task Messages_survive_being_split_at_every_byte()
    {
        var bytes = Frame(Sample, compress: false).Concat(Frame(new HealthCheckRequest { Service = "second" }, compress: false)).ToArray();
        for (var split = 1; split < bytes.Length; split++)
        {
            var pipe = new Pipe();
            await pipe.Writer.WriteAsync(bytes.AsMemory(0, split));
            var reading = ReadAllAsync(pipe.Reader, encoding: null);
            await pipe.Writer.WriteAsync(bytes.AsMemory(split));
            await pipe.Writer.CompleteAsync();

            Assert.That((await reading).Select(m => m.Service), Is.EqualTo(new[] { Sample.Service, "second" }), $"split at {split}");
        }
    }

    [Test]
    public async Task Gzip_messages_round_trip()
    {
        var messages = await ReadAllAsync(Reader(Frame(Sample, compress: true)), GrpcProtocol.Gzip);

        Assert.That(messages.Single(), Is.EqualTo(Sample));
    }

    [Test]
    public void Stream_ending_inside_a_message_is_internal()
    {
        var frame = Frame(Sample, compress: false);

        var error = Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Reader(frame[..^3]), null));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Internal));
    }

    [Test]
    public void Announced_length_over_the_limit_is_resource_exhausted_before_reading_it()
    {
        byte[] header = [0, 0x7F, 0xFF, 0xFF, 0xFF];

        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await MessageFraming.ReadAsync(Reader(header), HealthCheckRequest.Parser, 1024, null, CancellationToken.None));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [Test]
    public void Small_gzip_message_inflating_past_the_limit_is_resource_exhausted()
    {
        var bomb = new HealthCheckRequest { Service = new string('a', 100_000) };

        var error = Assert.ThrowsAsync<RpcException>(async () =>
            await MessageFraming.ReadAsync(Reader(Frame(bomb, compress: true)), HealthCheckRequest.Parser, 10_000, GrpcProtocol.Gzip, CancellationToken.None));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    [TestCase(null)]
    [TestCase("identity")]
    public void Compressed_flag_without_gzip_encoding_is_internal(string? encoding)
    {
        var error = Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Reader(Frame(Sample, compress: true)), encoding));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.Internal));
    }

    [Test]
    public void Unknown_flag_byte_and_undecodable_payload_are_internal()
    {
        var badFlag = Frame(Sample, compress: false);
        badFlag[0] = 7;
        byte[] garbage = [0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF];

        Assert.Multiple(() =>
        {
            Assert.That(Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Reader(badFlag), null))!.StatusCode, Is.EqualTo(StatusCode.Internal));
            Assert.That(Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(Reader(garbage), null))!.StatusCode, Is.EqualTo(StatusCode.Internal));
        });
    }

    [Test]
    public void Sending_over_the_limit_is_resource_exhausted()
    {
        var error = Assert.Throws<RpcException>(() => MessageFraming.Write(new ArrayBufferWriter<byte>(), Sample, maxSize: 4, compress: false));

        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
    }

    private static byte[] Frame(HealthCheckRequest message, bool compress)
    {
        var buffer = new ArrayBufferWriter<byte>();
        MessageFraming.Write(buffer, message, null, compress);
        return buffer.WrittenSpan.ToArray();
    }

    private static PipeReader Reader(byte[] bytes) => PipeReader.Create(new ReadOnlySequence<byte>(bytes));

    private static async Task<List<HealthCheckRequest>> ReadAllAsync(PipeReader reader, string? encoding)
    {
        var messages = new List<HealthCheckRequest>();
        while (await MessageFraming.ReadAsync(reader, HealthCheckRequest.Parser, 1 << 20, encoding, CancellationToken.None) is { } message)
        {
            messages.Add(message);
        }
        return messages;
    }
}
