using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Platform.Cli.Codec;
using Platform.Contracts.Agent.V1;

namespace Platform.Tests.Unit.Cli;

/// <summary>
/// The descriptor-driven JSON ⇄ wire codec of `platformctl agent call`, checked against the
/// generated C# messages (what the agent itself parses and writes).
/// </summary>
public class ProtoJsonCodecTests
{
    private static MessageDescriptor Descriptor(MessageDescriptor generated) =>
        DescriptorSet.Build(Closure(generated.File).Select(f => f.SerializedData)).FindMessage(generated.FullName)!;

    private static IEnumerable<FileDescriptor> Closure(FileDescriptor file) => file.Dependencies.SelectMany(Closure).Append(file).DistinctBy(f => f.Name);

    [Test]
    public void A_request_encoded_from_json_is_what_the_generated_message_parses()
    {
        var json = """
            {"operationId": "op-1", "name": "i-0000abcd", "uuid": "u", "vcpus": 2, "memory_mib": "4096",
             "bootDisk": {"image": "volumes/vol-1", "target": "vda"},
             "dataDisks": [{"image": "volumes/vol-2", "target": "vdb"}, {"image": "volumes/vol-3", "target": "vdc"}],
             "nics": [{"mac": "52:54:00:00:00:01", "ip": "10.0.0.5"}]}
            """;

        var parsed = DefineAndStartDomainRequest.Parser.ParseFrom(ProtoJsonEncoder.Encode(Descriptor(DefineAndStartDomainRequest.Descriptor), json));

        Assert.That(parsed, Is.EqualTo(new DefineAndStartDomainRequest
        {
            OperationId = "op-1", Name = "i-0000abcd", Uuid = "u", Vcpus = 2, MemoryMib = 4096,
            BootDisk = new RbdDisk { Image = "volumes/vol-1", Target = "vda" },
            DataDisks = { new RbdDisk { Image = "volumes/vol-2", Target = "vdb" }, new RbdDisk { Image = "volumes/vol-3", Target = "vdc" } },
            Nics = { new Nic { Mac = "52:54:00:00:00:01", Ip = "10.0.0.5" } },
        }));
    }

    [Test]
    public void A_response_decodes_to_proto3_json_with_enum_names_and_64_bit_integers_as_strings()
    {
        var domain = new Domain
        {
            Name = "i-1", State = DomainState.ShutOff, Vcpus = 1, MemoryMib = ulong.MaxValue,
            Disks = { new RbdDisk { Image = "volumes/a", Target = "vda" } },
        };

        var json = ProtoJsonDecoder.Decode(Descriptor(Domain.Descriptor), domain.ToByteArray());

        Assert.That(json.ToJsonString(), Is.EqualTo(
            """{"name":"i-1","state":"DOMAIN_STATE_SHUT_OFF","vcpus":1,"memoryMib":"18446744073709551615","disks":[{"image":"volumes/a","target":"vda"}]}"""));
    }

    [Test]
    public void Maps_oneofs_doubles_and_null_values_round_trip_through_the_generated_struct()
    {
        var json = """
            {"fields": {"n": {"numberValue": 1.5}, "s": {"stringValue": "x"}, "z": {"nullValue": "NULL_VALUE"},
                        "l": {"listValue": {"values": [{"boolValue": true}, {"numberValue": -2}]}}}}
            """;
        var descriptor = Descriptor(Struct.Descriptor);

        var parsed = Struct.Parser.ParseFrom(ProtoJsonEncoder.Encode(descriptor, json));
        var decoded = ProtoJsonDecoder.Decode(descriptor, parsed.ToByteArray());

        Assert.That(parsed.Fields["n"].NumberValue, Is.EqualTo(1.5));
        Assert.That(parsed.Fields["s"].StringValue, Is.EqualTo("x"));
        Assert.That(parsed.Fields["z"].KindCase, Is.EqualTo(Value.KindOneofCase.NullValue));
        Assert.That(parsed.Fields["l"].ListValue.Values.Select(v => v.ToString()), Is.EqualTo(new[] { "true", "-2" }));
        Assert.That(JsonNode.DeepEquals(decoded, JsonNode.Parse(json)), Is.True, decoded.ToJsonString());
    }

    [Test]
    public void Every_scalar_type_and_packed_repeated_integers_round_trip()
    {
        var descriptor = AllScalars();
        var json = """
            {"d": 2.5, "f": -0.5, "i64": "-9000000000", "u64": "18000000000000000000", "i32": -7, "u32": 4000000000,
             "s32": -3, "s64": "-4", "fx32": 5, "fx64": "6", "sfx32": -8, "sfx64": "-9", "b": true,
             "s": "héllo", "by": "AAEC/w==", "e": "GREEN", "ns": [1, -1, 300]}
            """;

        var wire = ProtoJsonEncoder.Encode(descriptor, json);
        var decoded = ProtoJsonDecoder.Decode(descriptor, wire);

        Assert.That(JsonNode.DeepEquals(decoded, JsonNode.Parse(json)), Is.True, decoded.ToJsonString());
        // A packed encoding (what proto3 writers send for repeated scalars) reads the same.
        var packed = new MemoryStream();
        var output = new CodedOutputStream(packed);
        output.WriteTag(17, WireFormat.WireType.LengthDelimited);
        output.WriteLength(3);
        output.WriteInt32(1);
        output.WriteInt32(300);
        output.Flush();
        Assert.That(ProtoJsonDecoder.Decode(descriptor, packed.ToArray()).ToJsonString(), Is.EqualTo("""{"ns":[1,300]}"""));
    }

    [TestCase("""{"nope": 1}""", "platform.agent.v1.RbdDisk has no field 'nope'")]
    [TestCase("""{"image": 5}""", "platform.agent.v1.RbdDisk.image: a string is a JSON string, not the number 5")]
    [TestCase("""[1]""", "platform.agent.v1.RbdDisk: a platform.agent.v1.RbdDisk is a JSON object, not an array")]
    [TestCase("""{"image": """, "the data is not JSON")]
    public void Data_that_does_not_fit_the_message_is_refused_with_the_field_path(string json, string expected)
    {
        var failure = Assert.Throws<ProtoJsonException>(() => ProtoJsonEncoder.Encode(Descriptor(RbdDisk.Descriptor), json));

        Assert.That(failure!.Message, Does.Contain(expected));
    }

    [Test]
    public void An_unknown_enum_name_and_an_out_of_range_integer_are_refused()
    {
        var domain = Descriptor(Domain.Descriptor);

        Assert.That(Assert.Throws<ProtoJsonException>(() => ProtoJsonEncoder.Encode(domain, """{"state": "RUNNING"}"""))!.Message,
            Does.Contain("has no value 'RUNNING'").And.Contain("DOMAIN_STATE_RUNNING"));
        Assert.That(Assert.Throws<ProtoJsonException>(() => ProtoJsonEncoder.Encode(domain, """{"vcpus": -1}"""))!.Message,
            Does.Contain("platform.agent.v1.Domain.vcpus: '-1' is not a UInt32 integer"));
    }

    [Test]
    public void A_service_is_described_as_proto_text()
    {
        var set = DescriptorSet.Build(Closure(HostReflection.Descriptor).Select(f => f.SerializedData));

        var text = DescriptorSet.Describe(set.FindService("platform.agent.v1.HostService")!);

        Assert.That(text, Does.Contain("rpc GetAgentInfo(platform.agent.v1.GetAgentInfoRequest) returns (platform.agent.v1.AgentInfo);"));
        Assert.That(text, Does.Contain("rpc Ping(stream platform.agent.v1.PingRequest) returns (stream platform.agent.v1.PingResponse);"));
    }

    /// <summary>A message with one field of every scalar type, an enum and a repeated int32 (made here: no .proto of the platform has them all).</summary>
    private static MessageDescriptor AllScalars()
    {
        var message = new DescriptorProto { Name = "AllScalars" };
        var fields = new (string Name, FieldDescriptorProto.Types.Type Type)[]
        {
            ("d", FieldDescriptorProto.Types.Type.Double), ("f", FieldDescriptorProto.Types.Type.Float),
            ("i64", FieldDescriptorProto.Types.Type.Int64), ("u64", FieldDescriptorProto.Types.Type.Uint64),
            ("i32", FieldDescriptorProto.Types.Type.Int32), ("u32", FieldDescriptorProto.Types.Type.Uint32),
            ("s32", FieldDescriptorProto.Types.Type.Sint32), ("s64", FieldDescriptorProto.Types.Type.Sint64),
            ("fx32", FieldDescriptorProto.Types.Type.Fixed32), ("fx64", FieldDescriptorProto.Types.Type.Fixed64),
            ("sfx32", FieldDescriptorProto.Types.Type.Sfixed32), ("sfx64", FieldDescriptorProto.Types.Type.Sfixed64),
            ("b", FieldDescriptorProto.Types.Type.Bool), ("s", FieldDescriptorProto.Types.Type.String),
            ("by", FieldDescriptorProto.Types.Type.Bytes),
        };
        var number = 1;
        foreach (var (name, type) in fields)
        {
            message.Field.Add(new FieldDescriptorProto { Name = name, JsonName = name, Number = number++, Type = type, Label = FieldDescriptorProto.Types.Label.Optional });
        }
        message.Field.Add(new FieldDescriptorProto { Name = "e", JsonName = "e", Number = number++, Type = FieldDescriptorProto.Types.Type.Enum, TypeName = ".test.Color", Label = FieldDescriptorProto.Types.Label.Optional });
        message.Field.Add(new FieldDescriptorProto { Name = "ns", JsonName = "ns", Number = number, Type = FieldDescriptorProto.Types.Type.Int32, Label = FieldDescriptorProto.Types.Label.Repeated });
        var file = new FileDescriptorProto
        {
            Name = "test/all_scalars.proto", Package = "test", Syntax = "proto3",
            MessageType = { message },
            EnumType = { new EnumDescriptorProto { Name = "Color", Value = { new EnumValueDescriptorProto { Name = "RED", Number = 0 }, new EnumValueDescriptorProto { Name = "GREEN", Number = 1 } } } },
        };
        return DescriptorSet.Build([file.ToByteString()]).FindMessage("test.AllScalars")!;
    }
}
