const { MongoClient } = require('mongodb');
(async () => {
  const c = await MongoClient.connect('mongodb://127.0.0.1:27017');
  const dbs = await c.db().admin().listDatabases();
  console.log(dbs.databases.map(d=>d.name+':'+d.sizeOnDisk).join(' '));
  const db = c.db(process.argv[2] || 'bench_pg16b');
  const cols = await db.listCollections().toArray();
  console.log(cols.map(x=>x.name));
  const w = db.collection('webhooks');
  const one = await w.findOne({});
  console.log(JSON.stringify(one).length, Object.keys(one));
  const cust = 'bench-list';
  for (let i=0;i<3;i++){
    let t=Date.now(); const n = await w.countDocuments({customer_id:cust}); const tc=Date.now()-t;
    t=Date.now(); const a = await w.find({customer_id:cust}).sort({created_at:-1,_id:-1}).limit(51).toArray(); const tf=Date.now()-t;
    t=Date.now(); const b = await w.find({customer_id:cust}).toArray(); const ta=Date.now()-t;
    t=Date.now(); const d = await w.find({customer_id:cust}).sort({_id:1}).limit(51).toArray(); const ti=Date.now()-t;
    console.log({n,tc,tf,ta,ti,len:a.length});
  }
  console.log(JSON.stringify(await w.find({customer_id:cust}).sort({created_at:-1,_id:-1}).limit(51).explain()).slice(0,1500));
  console.log(await w.indexes());
  await c.close();
})();
